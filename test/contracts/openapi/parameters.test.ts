import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('request parameters', () => {
  it('reports a new required query parameter', async () => {
    const { changes } = await diffFixture('parameters');
    expect(expectChange(changes, 'new-required-request-parameter', 'GET', '/pets', 41).level).toBe('ERR');
  });

  it('reports a query parameter that became required, at its `required` key', async () => {
    const { changes } = await diffFixture('parameters');
    const change = changes.find((item) => item.id === 'request-parameter-became-required' && item.message.includes('limit'));
    expect(change?.source.line).toBe(21);
    expect(change?.baseSource?.line).toBe(14);
  });

  it('merges path-level parameters into the operation; the operation wins, header names ignore case', async () => {
    const { changes } = await diffFixture('parameters');
    const change = changes.find((item) => item.id === 'request-parameter-became-required' && item.message.includes('x-tenant'));
    expect(change?.source.line).toBe(16);
    expect(change?.baseSource?.line).toBe(8);
  });

  it('reports a removed cookie parameter as WARN at the operation parameters', async () => {
    const { changes } = await diffFixture('parameters');
    const change = expectChange(changes, 'request-parameter-removed', 'GET', '/pets', 13);
    expect(change.level).toBe('WARN');
    expect(change.message).toContain('cookie parameter session');
  });

  it('compares parameter schemas: maximum, enum, maxLength, pattern, format, type through a $ref', async () => {
    const { changes } = await diffFixture('parameters');
    expectChange(changes, 'request-parameter-max-decreased', 'GET', '/pets', 24);
    expectChange(changes, 'request-parameter-enum-value-removed', 'GET', '/pets', 29);
    expectChange(changes, 'request-parameter-max-length-decreased', 'GET', '/pets', 34);
    expect(expectChange(changes, 'request-parameter-pattern-changed', 'GET', '/pets', 35).level).toBe('WARN');
    expect(changes.find((change) => change.message.includes('format changed'))?.source.line).toBe(40);
    const typeChange = changes.find((change) => change.message.includes('page: type changed from integer to string'));
    expect(typeChange?.id).toBe('request-parameter-type-changed');
    expect(typeChange?.source.line).toBe(56);
  });
});
