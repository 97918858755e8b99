import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('lifecycle and info', () => {
  it('reports a decreased info.version', async () => {
    const result = await diffFixture('lifecycle');
    expectChange(result.changes, 'api-version-decreased', undefined, undefined, 4);
    expect(result.baseVersion).toBe('2.1.0');
    expect(result.headVersion).toBe('2.0.9');
  });

  it('reports a sunset moved earlier and a deleted sunset as ERR', async () => {
    const { changes } = await diffFixture('lifecycle');
    expect(expectChange(changes, 'api-sunset-date-changed-too-small', 'GET', '/pets', 9).level).toBe('ERR');
    expect(expectChange(changes, 'sunset-deleted', 'GET', '/stores', 15).baseSource?.line).toBe(16);
  });

  it('reports a reactivated endpoint', async () => {
    const { changes } = await diffFixture('lifecycle');
    expectChange(changes, 'endpoint-reactivated', 'GET', '/owners', 20);
  });

  it('notes breaking changes without a major version bump', async () => {
    const { changes } = await diffFixture('request-bodies');
    expectChange(changes, 'api-major-version-not-bumped', undefined, undefined, 4);
  });
});
