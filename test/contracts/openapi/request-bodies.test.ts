import { describe, expect, it } from 'vitest';
import { diffFixture, expectChange } from './helpers.js';

describe('request bodies', () => {
  it('reports a body that became required, and a removed media type', async () => {
    const { changes } = await diffFixture('request-bodies');
    expectChange(changes, 'request-body-became-required', 'POST', '/pets', 9);
    expectChange(changes, 'request-body-media-type-removed', 'POST', '/pets', 10);
  });

  it('follows $refs into properties: required, removed, type, nullable, enum', async () => {
    const { changes } = await diffFixture('request-bodies');
    expectChange(changes, 'request-property-became-required', 'POST', '/pets', 39);
    expect(expectChange(changes, 'request-property-removed', 'POST', '/pets', 40).baseSource?.line).toBe(51);
    expectChange(changes, 'request-property-type-changed', 'POST', '/pets', 46);
    expectChange(changes, 'request-property-became-not-nullable', 'POST', '/pets', 44);
    expectChange(changes, 'request-property-enum-value-removed', 'POST', '/pets', 49);
    expectChange(changes, 'new-optional-request-property', 'POST', '/pets', 53);
  });

  it('ignores readOnly properties in requests', async () => {
    const { changes } = await diffFixture('request-bodies');
    expect(changes.filter((change) => change.message.includes('property id'))).toEqual([]);
  });

  it('reports a removed oneOf member, with the head path template', async () => {
    const { changes } = await diffFixture('request-bodies');
    expectChange(changes, 'request-body-one-of-removed', 'PUT', '/pets/{petId}', 30);
  });
});

describe('request body visibility', () => {
  it('notes a request property that became readOnly (clients should stop sending it)', async () => {
    const { changes } = await diffFixture('request-bodies');
    expect(expectChange(changes, 'request-optional-property-became-read-only', 'POST', '/pets', 57).level).toBe('INFO');
  });
});
