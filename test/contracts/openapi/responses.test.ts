import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('responses', () => {
  it('reports a removed success status as ERR and a removed error status as INFO', async () => {
    const { changes } = await diffFixture('responses');
    expect(expectChange(changes, 'response-success-status-removed', 'DELETE', '/pets/{id}', 32).level).toBe('ERR');
    expect(expectChange(changes, 'response-non-success-status-removed', 'GET', '/pets/{id}', 14).level).toBe('INFO');
  });

  it('reports a removed media type and a removed required header', async () => {
    const { changes } = await diffFixture('responses');
    expectChange(changes, 'response-media-type-removed', 'GET', '/pets/{id}', 21);
    expectChange(changes, 'required-response-header-removed', 'GET', '/pets/{id}', 17);
  });

  it('compares the response schema with widening as the breaking direction', async () => {
    const { changes } = await diffFixture('responses');
    expectChange(changes, 'response-property-type-changed', 'GET', '/pets/{id}', 42);
    expectChange(changes, 'response-property-became-optional', 'GET', '/pets/{id}', 43);
    expectChange(changes, 'response-property-became-nullable', 'GET', '/pets/{id}', 44);
    expect(expectChange(changes, 'response-property-enum-value-added', 'GET', '/pets/{id}', 48).level).toBe('WARN');
    expectChange(changes, 'response-optional-property-removed', 'GET', '/pets/{id}', 40);
    expect(expectChange(changes, 'response-property-max-length-increased', 'GET', '/pets/{id}', 53).message).toContain('tags[]');
  });

  it('ignores writeOnly properties in responses', async () => {
    const { changes } = await diffFixture('responses');
    expect(changes.filter((change) => change.message.includes('secret'))).toEqual([]);
  });
});
