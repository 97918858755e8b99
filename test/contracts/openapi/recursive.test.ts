import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('recursive schemas', () => {
  it('terminates and reports a change inside a cycle once per operation and direction', async () => {
    const { changes } = await diffFixture('recursive');
    const request = expectChange(changes, 'request-property-type-changed', 'POST', '/trees', 44);
    expect(request.message).toContain('leaf.weight');
    expectChange(changes, 'response-property-type-changed', 'GET', '/trees', 44);
  });
});
