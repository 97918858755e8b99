// The comparer skips schemas that are the same on both sides (same-schemas.ts). Skipping must
// never hide a change: a schema untouched where it is written but reaching a changed one is
// compared, and what the comparer reports about a schema even when it is unchanged (an
// unparsable sunset, nesting past the depth limit) is still reported.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openapiDiff, type OpenApiChange } from '../../../src/contracts/openapi/index.js';
import { loadSpecSet, type Located } from '../../../src/contracts/openapi/refs.js';
import { Pointer } from '../../../src/contracts/openapi/pointer.js';
import { SameSchemas } from '../../../src/contracts/openapi/same-schemas.js';
import { NOW } from './helpers.js';

const PET = { type: 'object', properties: { name: { type: 'string', maxLength: 50 } } };

/** POST /things sends and returns `schema`; components.schemas as given. */
function spec(schema: unknown, schemas: Record<string, unknown> = {}): string {
  const content = { 'application/json': { schema } };
  return stringify({
    openapi: '3.0.3',
    info: { title: 'Things', version: '1.0.0' },
    paths: { '/things': { post: { requestBody: { content }, responses: { '200': { description: 'ok', content } } } } },
    components: { schemas },
  });
}

async function diff(base: string, head: string): Promise<OpenApiChange[]> {
  const { changes } = await openapiDiff({ path: 'api.yaml', content: base }, { path: 'api.yaml', content: head }, { now: NOW });
  return changes.filter((change) => !change.id.startsWith('api-'));
}

const ids = (changes: OpenApiChange[]): string[] => changes.map((change) => change.id).sort();

describe('schemas that are the same on both sides', () => {
  it('a component untouched where it is written still reports a change in a component it reaches', async () => {
    const owner = { type: 'object', properties: { pet: { $ref: '#/components/schemas/Pet' } } };
    const narrower = { ...PET, properties: { name: { type: 'string', maxLength: 20 } } };
    const changes = await diff(
      spec({ $ref: '#/components/schemas/Owner' }, { Owner: owner, Pet: PET }),
      spec({ $ref: '#/components/schemas/Owner' }, { Owner: owner, Pet: narrower }),
    );
    // (A shorter maxLength in a response breaks no reader: no rule.)
    expect(ids(changes)).toEqual(['request-property-max-length-decreased']);
  });

  it('a recursive group of untouched components still reports a change below it', async () => {
    const node = { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Node' } }, pet: { $ref: '#/components/schemas/Pet' } } };
    const changes = await diff(
      spec({ $ref: '#/components/schemas/Node' }, { Node: node, Pet: PET }),
      spec({ $ref: '#/components/schemas/Node' }, { Node: node, Pet: { ...PET, properties: { name: { type: 'integer' } } } }),
    );
    expect(ids(changes)).toEqual(['request-property-type-changed', 'response-property-max-length-unset', 'response-property-type-changed']);
  });

  it('an unchanged deprecated property whose x-sunset does not parse is still reported', async () => {
    const schema = { type: 'object', properties: { old: { type: 'string', deprecated: true, 'x-sunset': 'next spring' } } };
    const text = spec({ $ref: '#/components/schemas/Thing' }, { Thing: schema });
    expect(ids(await diff(text, text))).toEqual(['request-property-deprecated-sunset-invalid', 'response-property-deprecated-sunset-invalid']);
  });

  it('an unchanged schema nested past the depth limit still gets schema-too-deep', async () => {
    const nested = (depth: number): unknown => (depth === 0 ? { type: 'string' } : { type: 'object', properties: { next: nested(depth - 1) } });
    const text = spec({ $ref: '#/components/schemas/Deep' }, { Deep: nested(120) });
    // Request and response meet it at the same line: one finding.
    expect(ids(await diff(text, text))).toEqual(['schema-too-deep']);
  });
});

describe('SameSchemas', () => {
  async function verdict(baseSchemas: Record<string, unknown>, headSchemas: Record<string, unknown>, name: string): Promise<number | undefined> {
    const base = await loadSpecSet({ path: 'api.yaml', content: spec({}, baseSchemas) }, { maxBytes: 1e6 });
    const head = await loadSpecSet({ path: 'api.yaml', content: spec({}, headSchemas) }, { maxBytes: 1e6 });
    const at = (root: Located): Located => ({
      doc: root.doc,
      pointer: Pointer.root.child('components').child('schemas').child(name),
      value: (root.value as { components: { schemas: Record<string, unknown> } }).components.schemas[name],
    });
    return new SameSchemas(base, head).nestingIfSame(at(base.root()), at(head.root()));
  }

  it('gives a nesting bound for an untouched component, counting what it reaches', async () => {
    const owner = { type: 'object', properties: { pet: { $ref: '#/components/schemas/Pet' } } };
    // Owner: object > properties > pet ({$ref}) = 3 levels; Pet: object > properties > name = 3.
    expect(await verdict({ Owner: owner, Pet: PET }, { Owner: owner, Pet: PET }, 'Owner')).toBe(6);
  });

  it('is not the same when a reached component changed, or a ref does not resolve', async () => {
    const owner = { type: 'object', properties: { pet: { $ref: '#/components/schemas/Pet' } } };
    expect(await verdict({ Owner: owner, Pet: PET }, { Owner: owner, Pet: { ...PET, description: 'a pet' } }, 'Owner')).toBeUndefined();
    const dangling = { type: 'object', properties: { pet: { $ref: '#/components/schemas/Gone' } } };
    expect(await verdict({ Owner: dangling }, { Owner: dangling }, 'Owner')).toBeUndefined();
  });

  it('is not the same where the comparer reports an unchanged schema: an object-valued format, an unparsable sunset', async () => {
    const format = { type: 'string', format: { odd: true } };
    expect(await verdict({ F: format }, { F: format }, 'F')).toBeUndefined();
    const sunset = { type: 'string', deprecated: true, 'x-sunset': 'soon' };
    expect(await verdict({ S: sunset }, { S: sunset }, 'S')).toBeUndefined();
  });

  it('reads property names and examples as names and data, not keywords', async () => {
    const schema = {
      type: 'object',
      properties: { format: { type: 'object' }, pattern: { type: 'object' } },
      example: { format: { any: 'thing' }, $ref: '#/nowhere' },
    };
    expect(await verdict({ T: schema }, { T: schema }, 'T')).toBe(3);
  });
});
