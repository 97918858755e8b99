import { describe, expect, it } from 'vitest';
import { diffFixture } from './helpers.js';

describe('ignore and severity overrides', () => {
  it('ignores by rule, method and path, matching paths ignoring parameter names', async () => {
    const all = await diffFixture('paths');
    expect(all.changes.some((change) => change.path === '/pets/{id}' && change.method === 'DELETE')).toBe(true);
    const ignored = await diffFixture('paths', { ignore: [{ rule: 'api-removed-before-sunset', method: 'delete', path: '/pets/{petId}' }] });
    expect(ignored.changes.some((change) => change.path === '/pets/{id}' && change.method === 'DELETE')).toBe(false);
    expect(ignored.changes).toHaveLength(all.changes.length - 1);
  });

  it('keeps a change when only some of the ignore fields match', async () => {
    const { changes } = await diffFixture('paths', { ignore: [{ rule: 'api-removed-before-sunset', method: 'GET' }] });
    expect(changes.some((change) => change.id === 'api-removed-before-sunset')).toBe(true);
  });

  it('applies severityOverrides after the catalogue default', async () => {
    const { changes } = await diffFixture('paths', { severityOverrides: { 'api-removed-without-deprecation': 'WARN' } });
    expect(changes.find((change) => change.id === 'api-removed-without-deprecation')?.level).toBe('WARN');
  });
});
