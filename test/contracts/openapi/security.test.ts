import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('security', () => {
  it('reports global and operation requirement changes and scopes', async () => {
    const { changes } = await diffFixture('security');
    expectChange(changes, 'api-global-security-added', undefined, undefined, 7);
    expectChange(changes, 'api-security-scope-added', 'GET', '/pets', 12);
  });

  it('reports security scheme components: removed, added, OAuth scopes and token URL', async () => {
    const { changes } = await diffFixture('security');
    expect(expectChange(changes, 'api-security-component-removed', undefined, undefined, 17).baseSource?.line).toBe(29);
    expectChange(changes, 'api-security-component-added', undefined, undefined, 30);
    expectChange(changes, 'api-security-component-oauth-scope-removed', undefined, undefined, 27);
    expectChange(changes, 'api-security-component-oauth-scope-added', undefined, undefined, 29);
    expectChange(changes, 'api-security-component-oauth-token-url-changed', undefined, undefined, 26);
  });

  it('reports an OAuth scope whose description changed, as INFO at the scope', async () => {
    const { changes } = await diffFixture('security');
    const change = expectChange(changes, 'api-security-component-oauth-scope-changed', undefined, undefined, 28);
    expect(change.level).toBe('INFO');
    expect(change.baseSource?.line).toBe(27);
    expect(change.message).toContain('"read pets" to "read pets and their owners"');
  });

  it('lets severityOverrides raise a catalogue INFO rule', async () => {
    const { changes } = await diffFixture('security', { severityOverrides: { 'api-security-scope-added': 'ERR' } });
    expect(changes.find((change) => change.id === 'api-security-scope-added')?.level).toBe('ERR');
  });
});
