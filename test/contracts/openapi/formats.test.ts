import { describe, expect, it } from 'vitest';
import { describe as describeChange, diffFixture } from './helpers.js';

describe('format changes and response enums', () => {
  it('reports a widened request format and a narrowed response format as compatible (INFO), the opposite as a type change', async () => {
    const { changes } = await diffFixture('formats');
    expect(changes.filter((change) => change.id !== 'api-version-not-bumped').map((change) => `${change.level} ${describeChange(change)}`).sort()).toEqual([
      'ERR request-property-type-changed PUT /counters/{id} @19',
      'INFO request-body-type-compatible PUT /counters/{id}/value @43',
      'INFO request-property-type-compatible PUT /counters/{id} @16',
      'INFO response-body-type-compatible PUT /counters/{id}/value @51',
      'INFO response-header-type-compatible PUT /counters/{id} @27',
      'INFO response-mediatype-enum-value-removed GET /counters/{id}/state @61',
      'INFO response-property-type-compatible PUT /counters/{id} @35',
    ]);
  });

  it('says why a compatible change is compatible', async () => {
    const { changes } = await diffFixture('formats');
    const change = changes.find((item) => item.id === 'request-property-type-compatible');
    expect(change?.message).toContain('format changed from "float" to "double"; every value of the old format is a value of the new one, so existing requests are still accepted');
  });
});
