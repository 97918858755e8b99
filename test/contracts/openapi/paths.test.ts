import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('paths and operations', () => {
  it('reports a removed operation that was never deprecated as ERR at the surviving path', async () => {
    const { changes } = await diffFixture('paths');
    const change = expectChange(changes, 'api-removed-without-deprecation', 'POST', '/pets', 6);
    expect(change.level).toBe('ERR');
    expect(change.baseSource?.line).toBe(12);
    expect(change.message).toContain('POST /pets');
    expect(change.message).toContain('openapi/openapi.yaml:12');
  });

  it('reports whole-path removals at the head `paths` key, by deprecation state', async () => {
    const { changes } = await diffFixture('paths');
    expectChange(changes, 'api-path-removed-without-deprecation', 'GET', '/old', 5);
    const deprecated = expectChange(changes, 'api-path-removed-with-deprecation', 'GET', '/legacy', 5);
    expect(deprecated.level).toBe('INFO');
  });

  it('treats removal before the x-sunset date as ERR, using the given now', async () => {
    const { changes } = await diffFixture('paths');
    expectChange(changes, 'api-removed-before-sunset', 'DELETE', '/pets/{id}', 13);
    const later = await diffFixture('paths', { now: new Date('2031-01-01') });
    expectChange(later.changes, 'api-removed-with-deprecation', 'DELETE', '/pets/{id}', 13);
  });

  it('matches endpoints ignoring path-parameter names', async () => {
    const { changes } = await diffFixture('paths');
    expect(changes.filter((change) => change.path?.startsWith('/pets/') && change.method === 'GET')).toEqual([]);
  });

  it('reports added and deprecated endpoints as INFO', async () => {
    const { changes } = await diffFixture('paths');
    expect(expectChange(changes, 'endpoint-added', 'GET', '/stores', 26).level).toBe('INFO');
    expect(expectChange(changes, 'endpoint-deprecated', 'GET', '/pets', 9).level).toBe('INFO');
  });

  it('returns changes sorted by file, line and id', async () => {
    const { changes } = await diffFixture('paths');
    const keys = changes.map((change) => [change.source.file, change.source.line, change.id] as const);
    const sorted = [...keys].sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1] || a[2].localeCompare(b[2]));
    expect(keys).toEqual(sorted);
  });
});
