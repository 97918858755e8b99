import { describe, expect, it } from 'vitest';
import { describe as describeChange, diffFixture, expectChange } from './helpers.js';

describe('parameters added to a path item ("default" parameters)', () => {
  it('reports a required one as ERR and an optional one as INFO, for each existing operation, at the parameter', async () => {
    const { changes } = await diffFixture('parameter-defaults');
    const defaults = changes.filter((change) => change.id.includes('default-parameter'));
    expect(defaults.map((change) => `${change.level} ${describeChange(change)}`).sort()).toEqual([
      'ERR new-required-request-default-parameter-to-existing-path GET /pets @12',
      'ERR new-required-request-default-parameter-to-existing-path GET /pets @21',
      'ERR new-required-request-default-parameter-to-existing-path POST /pets @12',
      'INFO new-optional-request-default-parameter-to-existing-path GET /pets @17',
      'INFO new-optional-request-default-parameter-to-existing-path POST /pets @17',
    ]);
    expect(defaults.find((change) => change.source.line === 12)?.message).toContain('required query parameter tenant was added to the path item');
  });

  it('keeps the operation ids for a parameter added to the operation; the operation\'s own parameter wins', async () => {
    const { changes } = await diffFixture('parameter-defaults');
    expectChange(changes, 'new-required-request-parameter', 'GET', '/pets', 28);
    // dryRun: added (required) at the path item, but POST declares its own optional one, which wins.
    expect(changes.filter((change) => change.method === 'POST' && change.message.includes('dryRun')).map(describeChange)).toEqual([]);
  });
});

describe('object-valued request header parameters', () => {
  it('reports a new required property, a property that became required, and one that became an enum', async () => {
    const { changes } = await diffFixture('header-properties');
    expect(expectChange(changes, 'new-required-request-header-property', 'GET', '/reports', 24).level).toBe('ERR');
    const required = expectChange(changes, 'request-header-property-became-required', 'GET', '/reports', 14);
    expect(required.level).toBe('ERR');
    expect(required.message).toContain('header parameter X-Filter: property region of the header value became required');
    expect(expectChange(changes, 'request-header-property-became-enum', 'GET', '/reports', 21).level).toBe('ERR');
  });
});
