import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openapiDiff, type OpenApiChange } from '../../../src/contracts/openapi/index.js';
import { NOW } from './helpers.js';

/** A spec whose POST /things sends `schema` and returns it: the same schema in both directions. */
function specWith(schema: unknown, extra: Record<string, unknown> = {}): string {
  const content = { 'application/json': { schema } };
  return stringify({
    openapi: '3.0.3',
    info: { title: 'Things', version: '1.0.0' },
    paths: { '/things': { post: { requestBody: { content }, responses: { '200': { description: 'ok', content } } } } },
    ...extra,
  });
}

async function diffSchemas(base: unknown, head: unknown, extra?: Record<string, unknown>): Promise<OpenApiChange[]> {
  const result = await openapiDiff({ path: 'a.yaml', content: specWith(base, extra) }, { path: 'a.yaml', content: specWith(head, extra) }, { now: NOW });
  return result.changes.filter((change) => !change.id.startsWith('api-'));
}

function idsAndLevels(changes: OpenApiChange[]): string[] {
  return changes.map((change) => `${change.id}:${change.level}`).sort();
}

describe('one schema comparer, direction as an argument', () => {
  it('integer -> number generalises: fine for requests, breaking for responses', async () => {
    const changes = await diffSchemas({ type: 'integer' }, { type: 'number' });
    expect(idsAndLevels(changes)).toEqual(['request-body-type-generalized:INFO', 'response-body-type-generalized:ERR']);
  });

  it('a lower maxLength narrows: breaking for requests only', async () => {
    const changes = await diffSchemas({ type: 'string', maxLength: 10 }, { type: 'string', maxLength: 5 });
    expect(idsAndLevels(changes)).toEqual(['request-body-max-length-decreased:ERR']);
  });

  it('removing an anyOf member breaks requests; adding an allOf member is noted with what it brings', async () => {
    const cat = { type: 'object', properties: { meows: { type: 'boolean' } } };
    const dog = { type: 'object', properties: { barks: { type: 'boolean' } } };
    const removed = await diffSchemas({ anyOf: [cat, dog] }, { anyOf: [cat] });
    expect(idsAndLevels(removed)).toEqual(['request-body-any-of-removed:ERR', 'response-body-any-of-removed:INFO']);
    const added = await diffSchemas({ allOf: [cat] }, { allOf: [cat, dog] });
    expect(idsAndLevels(added)).toEqual([
      'new-optional-request-property:INFO',
      'request-body-all-of-added:ERR',
      'response-body-all-of-added:INFO',
      'response-optional-property-added:INFO',
    ]);
  });

  it('compares additionalProperties values as nested properties', async () => {
    const changes = await diffSchemas(
      { type: 'object', additionalProperties: { type: 'string', enum: ['a', 'b'] } },
      { type: 'object', additionalProperties: { type: 'string', enum: ['a', 'b', 'c'] } },
    );
    expect(idsAndLevels(changes)).toEqual(['request-property-enum-value-added:INFO', 'response-property-enum-value-added:WARN']);
    expect(changes[0]?.message).toContain('property *:');
  });

  it('points a required-property change at the `required` entry in head', async () => {
    const base = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } };
    const head = { ...base, required: ['b'] };
    const changes = await diffSchemas(base, head);
    const request = changes.find((change) => change.id === 'request-property-became-required');
    const headText = specWith(head).split('\n');
    expect(headText[(request?.source.line ?? 0) - 1]?.trim()).toBe('- b');
  });
});

describe('webhooks (3.1)', () => {
  it('reports a removed webhook as ERR', async () => {
    const webhook = { post: { requestBody: { content: { 'application/json': { schema: { type: 'object' } } } }, responses: { '200': { description: 'ok' } } } };
    const spec = (webhooks: Record<string, unknown>): string => stringify({ openapi: '3.1.0', info: { title: 'Hooks', version: '1.0.0' }, webhooks });
    const { changes } = await openapiDiff({ path: 'h.yaml', content: spec({ newPet: webhook, oldPet: webhook }) }, { path: 'h.yaml', content: spec({ newPet: webhook }) });
    const removed = changes.find((change) => change.id === 'webhook-removed');
    // Line 5 is the head `webhooks:` key, the nearest surviving parent of the removed webhook.
    expect([removed?.level, removed?.path, removed?.source.line]).toEqual(['ERR', 'oldPet', 5]);
  });
});
