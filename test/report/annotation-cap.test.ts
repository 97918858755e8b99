// Issue 9 item 9: a check run carries at most MAX_ANNOTATIONS annotations; the summary
// says how many more there are. 5,000 errors on a config-repo PR made 101 writes (and
// 240 with the re-sent batches); capped, they make 10.
import { describe, expect, it } from 'vitest';
import type { ContractsEvaluation, PackEvaluation } from '../../src/contracts/evaluate.js';
import type { Finding } from '../../src/contracts/findings.js';
import { decideGate } from '../../src/contracts/gate.js';
import type { PackSet } from '../../src/packs/types.js';
import { ANNOTATIONS_PER_REQUEST, CHECK_SUMMARY_LIMIT, MAX_ANNOTATIONS } from '../../src/report/check-run.js';
import { buildContractsCheck } from '../../src/report/contracts-check.js';
import { buildPacksCheck } from '../../src/report/packs-check.js';

function brokenSet(errors: number): PackSet {
  return {
    sha: 'c'.repeat(40),
    services: {},
    errors: [],
    packs: [
      {
        valid: false,
        file: 'policy-packs/huge.yml',
        id: 'huge',
        errors: Array.from({ length: errors }, (_, i) => ({ file: 'policy-packs/huge.yml', line: i + 1, column: 3, message: `unknown key "k${i}"` })),
      },
    ],
  };
}

function finding(i: number, over: Partial<Finding> = {}): Finding {
  return {
    comparator: 'openapi.diff',
    ruleId: 'response-property-removed',
    level: 'WARN',
    severity: 'medium',
    score: 55,
    message: `property p${i} was removed`,
    file: 'openapi/openapi.yaml',
    line: i + 1,
    packId: 'payments-api',
    versionHash: 'a'.repeat(64),
    ...over,
  };
}

function evaluation(findings: Finding[]): ContractsEvaluation {
  const p: PackEvaluation = {
    packId: 'payments-api',
    name: 'Payments',
    file: 'policy-packs/payments.yml',
    versionHash: 'a'.repeat(64),
    mode: 'warn',
    testMode: false,
    findings,
    blockAt: 'high',
    gated: [],
    wouldBlock: false,
    blocks: false,
  };
  return { repo: 'acme/api', baseSha: 'b'.repeat(40), headSha: 'd'.repeat(40), packs: [p], invalidPacks: [], blocks: false, notes: [] };
}

describe('annotations per check run are capped', () => {
  it('is 500, ten requests of 50', () => {
    expect(MAX_ANNOTATIONS).toBe(500);
    expect(MAX_ANNOTATIONS / ANNOTATIONS_PER_REQUEST).toBe(10);
  });

  it('policy packs: 5,000 errors give the first 500 as annotations and say "and 4500 more" in the summary', () => {
    const check = buildPacksCheck(brokenSet(5000), 'c'.repeat(40));
    expect(check.conclusion).toBe('failure');
    expect(check.title).toBe('5000 errors in policy packs');
    expect(check.annotations).toHaveLength(500);
    expect(check.annotations.map((a) => a.start_line)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(check.summary).toContain('and 4500 more');
    expect(check.summary.length).toBeLessThanOrEqual(CHECK_SUMMARY_LIMIT);
    // The list in the summary no longer claims every error is an annotation.
    expect(check.summary).not.toContain('every error is also an annotation');
  });

  it('policy packs: at the cap, nothing is said', () => {
    const check = buildPacksCheck(brokenSet(500), 'c'.repeat(40));
    expect(check.annotations).toHaveLength(500);
    expect(check.summary).not.toMatch(/and \d+ more/);
  });

  it('contracts: 1,200 findings give 500 annotations, failures first, and the summary says how many more', () => {
    const findings = [
      ...Array.from({ length: 1000 }, (_, i) => finding(i)),
      ...Array.from({ length: 200 }, (_, i) => finding(2000 + i, { level: 'ERR', severity: 'high', score: 80, ruleId: 'api-path-removed-without-deprecation' })),
    ];
    const ev = evaluation(findings);
    const check = buildContractsCheck(ev, decideGate(ev, { mode: 'advisory' }, undefined));
    expect(check.annotations).toHaveLength(500);
    // The 200 breaking changes are all annotated, though they come after the warnings.
    expect(check.annotations.filter((a) => a.annotation_level === 'failure')).toHaveLength(200);
    expect(check.summary).toContain('and 700 more');
    expect(check.summary.length).toBeLessThanOrEqual(CHECK_SUMMARY_LIMIT);
  });
});
