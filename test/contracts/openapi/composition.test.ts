// Composition compared by meaning: allOf merged, one-branch compositions unwrapped, branches
// paired by what they are, wrapping in oneOf recognised, and nothing skipped in silence.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openapiDiff, type OpenApiChange } from '../../../src/contracts/openapi/index.js';
import { NOW } from './helpers.js';

const PET = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 50 }, tag: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
};

/** POST /things sends `schema` and returns it; components.schemas as given. */
function spec(schema: unknown, schemas: Record<string, unknown> = {}, version = '3.0.3'): string {
  const content = { 'application/json': { schema } };
  return stringify({
    openapi: version,
    info: { title: 'Things', version: '1.0.0' },
    paths: { '/things': { post: { requestBody: { content }, responses: { '200': { description: 'ok', content } } } } },
    components: { schemas: { Pet: PET, ...schemas } },
  });
}

async function diff(base: string, head: string): Promise<OpenApiChange[]> {
  const { changes } = await openapiDiff({ path: 'api.yaml', content: base }, { path: 'api.yaml', content: head }, { now: NOW });
  return changes.filter((change) => !change.id.startsWith('api-'));
}

const alarms = (changes: OpenApiChange[]): string[] => changes.filter((change) => change.level !== 'INFO').map((change) => `${change.id}:${change.level}`);
const ids = (changes: OpenApiChange[]): string[] => changes.map((change) => `${change.id}:${change.level}`).sort();

describe('allOf compared by meaning', () => {
  it('a $ref wrapped in a one-member allOf changes nothing a client sees', async () => {
    const changes = await diff(spec({ $ref: '#/components/schemas/Pet' }), spec({ allOf: [{ $ref: '#/components/schemas/Pet' }] }));
    expect(alarms(changes)).toEqual([]);
  });

  it('an inline schema wrapped in a one-member allOf, with a description beside it, changes nothing', async () => {
    const changes = await diff(spec(PET), spec({ description: 'a pet', allOf: [PET] }));
    expect(ids(changes)).toEqual([]);
  });

  it('flattening an allOf of object schemas into one schema (and splitting it back) is annotation-only', async () => {
    const split = {
      allOf: [
        { type: 'object', required: ['name'], properties: { name: PET.properties.name } },
        { type: 'object', properties: { tag: PET.properties.tag, age: PET.properties.age } },
      ],
    };
    const flattened = await diff(spec(split), spec(PET));
    // One member is the flattened schema itself (paired by content); the other was folded in.
    expect(ids(flattened)).toEqual(['request-body-all-of-removed-annotation-only:INFO', 'response-body-all-of-removed-annotation-only:INFO']);
    expect(alarms(await diff(spec(PET), spec(split)))).toEqual([]);
  });

  it('a property removed or made required inside an allOf member is the same change as outside it', async () => {
    const base = { allOf: [{ $ref: '#/components/schemas/Pet' }, { type: 'object', properties: { color: { type: 'string' }, size: { type: 'integer' } } }] };
    const head = { allOf: [{ $ref: '#/components/schemas/Pet' }, { type: 'object', required: ['size'], properties: { size: { type: 'integer' } } }] };
    const baseText = spec(base);
    const headText = spec(head);
    const changes = await diff(baseText, headText);
    const removed = changes.find((change) => change.id === 'request-property-removed');
    expect(removed?.message).toContain('property color was removed');
    expect(baseText.split('\n')[(removed?.baseSource?.line ?? 0) - 1]?.trim()).toBe('color:');
    const required = changes.find((change) => change.id === 'request-property-became-required');
    expect(required?.level).toBe('ERR');
    expect(headText.split('\n')[(required?.source.line ?? 0) - 1]?.trim()).toBe('- size');
    expect(ids(changes)).toContain('response-optional-property-removed:WARN');
  });

  it('a property moved from the schema into an allOf member is not removed', async () => {
    const moved = { allOf: [{ type: 'object', required: ['name'], properties: { name: PET.properties.name } }], properties: { tag: PET.properties.tag, age: PET.properties.age }, type: 'object' };
    expect(alarms(await diff(spec(PET), spec(moved)))).toEqual([]);
  });

  it('merges constraints with intersection semantics: the tightest bound is the effective one', async () => {
    const layered = { allOf: [{ type: 'string', maxLength: 10 }, { type: 'string', maxLength: 5 }] };
    expect(alarms(await diff(spec(layered), spec({ type: 'string', maxLength: 5 })))).toEqual([]);
    const changes = await diff(spec(layered), spec({ type: 'string', maxLength: 3 }));
    expect(alarms(changes)).toContain('request-body-max-length-decreased:ERR');
    expect(changes.find((change) => change.id === 'request-body-max-length-decreased')?.message).toContain('from 5 to 3');
  });

  it('integer in one member and number in another merge to integer', async () => {
    const layered = { allOf: [{ type: 'number' }, { type: 'integer', minimum: 1 }] };
    expect(alarms(await diff(spec(layered), spec({ type: 'integer', minimum: 1 })))).toEqual([]);
  });

  it('a member that adds a constraint is reported with its effect and at the catalogue level', async () => {
    const changes = await diff(spec({ $ref: '#/components/schemas/Pet' }), spec({ allOf: [{ $ref: '#/components/schemas/Pet' }, { type: 'object', required: ['tag'] }] }));
    expect(alarms(changes)).toEqual(['request-body-all-of-added:ERR', 'request-property-became-required:ERR']);
  });
});

describe('oneOf and anyOf branches paired by what they are', () => {
  const cat = { title: 'Cat', type: 'object', properties: { kind: { type: 'string', enum: ['cat'] }, meows: { type: 'boolean' } } };
  const dog = { title: 'Dog', type: 'object', properties: { kind: { type: 'string', enum: ['dog'] }, barks: { type: 'boolean' } } };
  const plain = (schema: Record<string, unknown>) => {
    const { title: _title, ...rest } = schema;
    return rest;
  };

  it('reversing inline branches changes nothing', async () => {
    for (const keyword of ['oneOf', 'anyOf']) {
      const changes = await diff(spec({ [keyword]: [plain(cat), plain(dog), { type: 'string' }] }), spec({ [keyword]: [{ type: 'string' }, plain(dog), plain(cat)] }));
      expect(ids(changes), keyword).toEqual([]);
    }
  });

  it('pairs reordered branches by title and reports the change inside the right one', async () => {
    const headDog = { ...dog, properties: { ...dog.properties, barks: { type: 'string' } } };
    const changes = await diff(spec({ oneOf: [cat, dog] }), spec({ oneOf: [headDog, cat] }));
    expect(alarms(changes)).toEqual(['request-property-type-changed:ERR', 'response-property-type-changed:ERR']);
    expect(changes[0]?.message).toContain('property barks');
  });

  it('pairs branches by discriminator value when they have no title', async () => {
    const discriminated = (branches: unknown[]) => ({ oneOf: branches, discriminator: { propertyName: 'kind' } });
    const headCat = { ...plain(cat), properties: { ...cat.properties, meows: { type: 'integer' } } };
    const changes = await diff(spec(discriminated([plain(cat), plain(dog)])), spec(discriminated([plain(dog), headCat])));
    expect(alarms(changes)).toEqual(['request-property-type-changed:ERR', 'response-property-type-changed:ERR']);
    expect(changes[0]?.message).toContain('property meows');
  });

  it('a removed branch is reported once, by name', async () => {
    const changes = await diff(spec({ anyOf: [plain(cat), plain(dog), { type: 'string' }] }), spec({ anyOf: [{ type: 'string' }, plain(cat)] }));
    expect(ids(changes)).toEqual(['request-body-any-of-removed:ERR', 'response-body-any-of-removed:INFO']);
  });

  it('a body wrapped in a oneOf is reported as wrapped, not as a cascade of removals', async () => {
    const baseText = spec({ $ref: '#/components/schemas/Pet' });
    const headText = spec({ oneOf: [{ $ref: '#/components/schemas/Pet' }, { type: 'string' }] });
    const changes = await diff(baseText, headText);
    expect(ids(changes)).toEqual(['request-body-wrapped-in-one-of:ERR', 'response-body-wrapped-in-one-of:ERR']);
    expect(headText.split('\n')[(changes[0]?.source.line ?? 0) - 1]?.trim()).toBe('oneOf:');
  });

  it('a property wrapped in a oneOf reports the added branch, not a type change', async () => {
    const base = { type: 'object', properties: { owner: { $ref: '#/components/schemas/Pet' } } };
    const head = { type: 'object', properties: { owner: { oneOf: [{ type: 'string' }, { $ref: '#/components/schemas/Pet' }] } } };
    const changes = await diff(spec(base), spec(head));
    expect(ids(changes)).toEqual(['request-property-one-of-added:INFO', 'response-property-one-of-added:ERR']);
  });

  it('a one-branch oneOf is its branch', async () => {
    expect(ids(await diff(spec({ $ref: '#/components/schemas/Pet' }), spec({ oneOf: [{ $ref: '#/components/schemas/Pet' }] })))).toEqual([]);
  });
});

describe('nullable across OpenAPI 3.0 and 3.1', () => {
  it('`nullable: true` and `type: [string, "null"]` mean the same', async () => {
    const base = spec({ type: 'object', properties: { note: { type: 'string', nullable: true } } });
    const head = spec({ type: 'object', properties: { note: { type: ['string', 'null'] } } }, {}, '3.1.0');
    expect(ids(await diff(base, head))).toEqual([]);
  });
});

describe('what the comparer cannot follow is reported', () => {
  it('a schema nested deeper than 100 levels gets a schema-too-deep warning instead of a silent pass', async () => {
    const nested = (depth: number, leaf: unknown): unknown => (depth === 0 ? leaf : { type: 'object', properties: { next: nested(depth - 1, leaf) } });
    const changes = await diff(spec(nested(120, { type: 'string' })), spec(nested(120, { type: 'integer' })));
    const deep = changes.filter((change) => change.id === 'schema-too-deep');
    expect(deep.map((change) => change.level)).toEqual(['WARN', 'WARN']);
    expect(deep[0]?.message).toContain('deeper than 100 levels');
    // Shallower changes are still found.
    const shallow = await diff(spec(nested(50, { type: 'string' })), spec(nested(50, { type: 'integer' })));
    expect(alarms(shallow)).toEqual(['request-property-type-changed:ERR', 'response-property-type-changed:ERR']);
  });
});
