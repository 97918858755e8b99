import { describe, expect, it } from 'vitest';
import { RULES, ruleLevel } from '../../../src/contracts/openapi/index.js';
import { CATALOGUE_IDS, ENGINE_RULE_IDS } from '../../../src/contracts/openapi/rules.js';
import { diffFixture } from './helpers.js';

describe('rule catalogue', () => {
  it('carries the oasdiff catalogue with its default levels', () => {
    expect(CATALOGUE_IDS).toHaveLength(509);
    // Plus the engine's own findings (places it could not compare), which oasdiff has no id for.
    expect(RULES.size).toBe(509 + Object.keys(ENGINE_RULE_IDS).length);
    expect(CATALOGUE_IDS).not.toContain(ENGINE_RULE_IDS.pathTemplateCollision);
    expect(ruleLevel('api-path-removed-without-deprecation')).toBe('ERR');
    expect(ruleLevel('request-parameter-removed')).toBe('WARN');
    expect(ruleLevel('endpoint-added')).toBe('INFO');
    expect(ruleLevel('no-such-rule')).toBeUndefined();
    expect(RULES.get('response-property-enum-value-added')).toEqual({ level: 'WARN', direction: 'response', area: 'Schema' });
  });

  it('only ever reports catalogue ids', async () => {
    for (const family of ['paths', 'parameters', 'request-bodies', 'responses', 'security', 'lifecycle', 'recursive']) {
      const { changes } = await diffFixture(family);
      expect(changes.length).toBeGreaterThan(0);
      for (const change of changes) expect(RULES.has(change.id), change.id).toBe(true);
    }
  });
});
