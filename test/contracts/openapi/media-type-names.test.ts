import { describe, expect, it } from 'vitest';
import { describe as describeChange, diffFixture } from './helpers.js';

describe('response media types replaced by related ones', () => {
  it('reports a narrower one as specialized (INFO), a wider one as generalized (ERR), new parameters as changed (INFO); unrelated ones as removed and added', async () => {
    const { changes } = await diffFixture('media-type-names');
    expect(changes.filter((change) => change.id !== 'api-version-not-bumped').map((change) => `${change.level} ${describeChange(change)}`).sort()).toEqual([
      'ERR response-media-type-name-generalized GET /orders @21',
      'ERR response-media-type-removed GET /exports @41',
      'ERR response-property-type-changed GET /orders @26',
      'INFO response-media-type-added GET /exports @42',
      'INFO response-media-type-name-changed GET /notes @33',
      'INFO response-media-type-name-specialized GET /errors @12',
    ]);
  });

  it('still compares the schemas of a renamed media type, and names both types', async () => {
    const { changes } = await diffFixture('media-type-names');
    const rename = changes.find((change) => change.id === 'response-media-type-name-generalized');
    expect(rename?.message).toContain('media type application/vnd.acme.order+json became application/json');
    expect(rename?.baseSource?.line).toBe(21);
    expect(changes.find((change) => change.id === 'response-property-type-changed')?.message).toContain('response 200 application/json property total');
  });
});
