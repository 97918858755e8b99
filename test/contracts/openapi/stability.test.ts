// Stability levels, parameter sunsets, x-extensible-enum, generalised patterns, and the
// changes to readOnly/writeOnly properties the catalogue notes: id, level, method, path, line.
import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('stability, sunsets and hidden properties', () => {
  it('reports each under its catalogue id and level, at the head line', async () => {
    const { changes } = await diffFixture('stability');
    const check = (id: string, method: string, line: number, level: string): void => {
      expect(expectChange(changes, id, method, '/accounts', line).level, id).toBe(level);
    };
    check('api-stability-decreased', 'GET', 8, 'ERR');
    check('api-invalid-stability-level', 'POST', 28, 'ERR');
    check('request-parameter-x-extensible-enum-value-removed', 'GET', 14, 'ERR');
    check('request-parameter-sunset-deleted', 'GET', 17, 'ERR');
    check('request-parameter-sunset-date-changed-too-small', 'GET', 22, 'ERR');
    check('request-read-only-property-max-length-decreased', 'POST', 50, 'INFO');
    check('response-write-only-property-became-required', 'POST', 45, 'INFO');
    check('request-property-pattern-generalized', 'POST', 56, 'INFO');
    // A readOnly property's constraint is not a request rule, nor a writeOnly property's requiredness a response one.
    expect(changes.filter((change) => change.id === 'request-property-max-length-decreased' || change.id === 'response-property-became-required')).toEqual([]);
  });
});
