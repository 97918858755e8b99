import { describe, expect, it } from 'vitest';
import { describe as describeChange, diffFixture } from './helpers.js';

const POLICY = { sunsetPolicy: { minDaysStable: 180, minDaysBeta: 30 } };
const listed = (changes: Awaited<ReturnType<typeof diffFixture>>['changes']): string[] =>
  changes.filter((change) => change.id !== 'api-version-not-bumped').map((change) => `${change.level} ${describeChange(change)}`).sort();

describe('minimum deprecation period (sunsetPolicy)', () => {
  it('reports newly deprecated operations, parameters and properties without a sunset date, or with one too soon', async () => {
    const { changes } = await diffFixture('sunset-policy', POLICY);
    expect(listed(changes)).toEqual([
      'ERR api-deprecated-sunset-missing GET /a @8',
      'ERR api-sunset-date-too-small GET /b @15',
      'ERR request-parameter-deprecated-sunset-missing GET /e @39',
      'ERR request-parameter-sunset-date-too-small GET /e @45',
      'ERR request-property-deprecated-sunset-missing POST /f @61',
      'ERR request-property-sunset-date-too-small POST /f @65',
      'ERR response-property-deprecated-sunset-missing POST /f @76',
      'ERR response-property-sunset-date-too-small POST /f @80',
      // beta needs 30 days (45 given); alpha needs none
      'INFO endpoint-deprecated GET /d @30',
      'INFO endpoint-deprecated-with-sunset GET /c @22',
    ]);
  });

  it('says how much notice was given and how much is needed', async () => {
    const { changes } = await diffFixture('sunset-policy', POLICY);
    expect(changes.find((change) => change.id === 'api-sunset-date-too-small')?.message).toBe(
      'GET /b: operation was deprecated with sunset 2026-02-01, 31 days away; a stable element needs at least 180 days of notice (not before 2026-06-30) (base: openapi/openapi.yaml:12)',
    );
  });

  it('requires nothing by default: deprecations are INFO', async () => {
    const { changes } = await diffFixture('sunset-policy');
    expect(listed(changes).filter((line) => !line.startsWith('INFO'))).toEqual([]);
    expect(listed(changes)).toContain('INFO endpoint-deprecated GET /a @8');
  });
});
