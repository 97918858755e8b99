import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('OpenAPI 3.1', () => {
  it('reads nullability from type lists in JSON, with positions in the JSON text', async () => {
    const { changes } = await diffFixture('openapi-31', {}, 'json');
    const nullable = expectChange(changes, 'response-property-became-nullable', 'GET', '/pets/{petId}', 30);
    expect(nullable.source.column).toBe(21);
    expectChange(changes, 'response-property-list-of-types-widened', 'GET', '/pets/{petId}', 32);
    expectChange(changes, 'request-parameter-list-of-types-narrowed', 'GET', '/pets/{petId}', 9);
    expectChange(changes, 'response-property-exclusive-max-increased', 'GET', '/pets/{petId}', 31);
  });

  it('treats `examples` as documentation, not as a change', async () => {
    const { changes } = await diffFixture('openapi-31', {}, 'json');
    expect(changes.filter((change) => change.message.includes('examples'))).toEqual([]);
  });

  it('reports a request property that lost `null` from its type list (YAML)', async () => {
    const { changes } = await diffFixture('openapi-31');
    expectChange(changes, 'request-property-became-not-nullable', 'POST', '/pets', 15);
  });
});
