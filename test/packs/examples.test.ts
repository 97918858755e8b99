import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allErrors, loadPackSet } from '../../src/packs/load-set.js';
import { known } from './known.js';

describe('example packs in policy-packs/', () => {
  const files = readdirSync('policy-packs').filter((name) => /\.ya?ml$/.test(name)).map((name) => ({
    path: `policy-packs/${name}`,
    text: readFileSync(`policy-packs/${name}`, 'utf8'),
  }));

  it('all validate, with the service catalog read', () => {
    const set = loadPackSet(files, known);
    expect(allErrors(set)).toEqual([]);
    expect(set.packs.map((p) => (p.valid ? p.pack.id : '?')).sort()).toEqual(['docs-test-mode', 'infra-workspace', 'payments-api']);
    expect(Object.keys(set.services)).toContain('payment-service');
  });

  it('each starts with the yaml-language-server schema line', () => {
    for (const f of files.filter((f) => !f.path.endsWith('services.yml'))) {
      expect(f.text.split('\n')[0]).toBe('# yaml-language-server: $schema=./policy-pack.schema.json');
    }
  });

  it('the payments pack has three tiers and block mode', () => {
    const set = loadPackSet(files, known);
    const payments = set.packs.find((p) => p.valid && p.pack.id === 'payments-api');
    expect(payments?.valid).toBe(true);
    if (!payments?.valid) return;
    expect(Object.values(payments.pack.approvalTiers).map((t) => t.name)).toEqual(['Team Lead', 'Director', 'CTO']);
    expect(payments.pack.trackA?.enforcement.mode).toBe('block');
    expect(payments.pack.trackB?.primaryDoc?.class).toBe('runbook');
    expect(payments.versionHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
