// JSON Schema 2020-12 keywords (OpenAPI 3.1), the discriminator, and property deprecation:
// id, level, method, path and head line of each.
import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('JSON Schema 2020-12 keywords and the discriminator', () => {
  it('reports each keyword change under the catalogue id and level for its direction', async () => {
    const { changes } = await diffFixture('keywords');
    const check = (id: string, line: number, level: string): void => {
      expect(expectChange(changes, id, 'POST', '/orders', line).level, id).toBe(level);
    };
    check('request-body-dependent-required-changed', 25, 'ERR');
    check('request-body-if-added', 26, 'ERR');
    check('request-body-then-added', 28, 'ERR');
    check('request-property-min-contains-increased', 33, 'ERR');
    check('request-property-content-media-type-changed', 43, 'ERR');
    check('request-property-deprecated-with-sunset', 39, 'INFO');
    check('request-property-reactivated', 35, 'INFO');
    check('response-body-discriminator-mapping-changed', 49, 'INFO');
    check('response-body-pattern-property-added', 51, 'INFO');
    // prefixItems removed from a response widens what clients receive.
    check('response-property-prefix-items-removed', 55, 'INFO');
  });
});
