import { describe, expect, it } from 'vitest';
import type { ContractsEvaluation, PackEvaluation } from '../../src/contracts/evaluate.js';
import type { Finding } from '../../src/contracts/findings.js';
import { CHECK_SUMMARY_LIMIT } from '../../src/report/check-run.js';
import { buildContractsCheck as render, buildInProgressContractsCheck, CONTRACTS_CHECK_NAME } from '../../src/report/contracts-check.js';
import { countTitle, decideGate } from '../../src/contracts/gate.js';
import { decideStep, startChain, type Chain } from '../../src/approvals/chain.js';
import { chainTemplateFor, DEFAULT_APPROVAL_OPTIONS } from '../../src/approvals/template.js';
import { pack as tieredPack } from '../approvals/helpers.js';

/** The check as published: the gate decides (mode `gate` when a chain is given), the report renders. */
function buildContractsCheck(ev: ContractsEvaluation, _sha: string, chain?: Chain) {
  return render(ev, decideGate(ev, { mode: chain ? 'gate' : 'no_chain' }, chain));
}

const t0 = new Date('2026-03-01T10:00:00Z');
const chain0 = startChain({ repo: 'acme/payment-api', number: 7, headSha: 'c0ffee'.padEnd(40, '0'), author: { login: 'author' } }, 'high', { template: chainTemplateFor(tieredPack(), 'high'), options: DEFAULT_APPROVAL_OPTIONS }, t0).chain;
const src = { kind: 'comment' as const, id: '1' };
const approve = (c: Chain, stepId: string, actor: string) => decideStep(c, { kind: 'approve', stepId, actor, source: src }, t0).chain;
const reject = (c: Chain, stepId: string, actor: string, reason?: string) => decideStep(c, { kind: 'reject', stepId, actor, source: src, ...(reason ? { reason } : {}) }, t0).chain;

const SHA = 'c0ffee'.padEnd(40, '0');
const HASH = 'abcdef0123456789'.padEnd(64, '9');

function finding(over: Partial<Finding> = {}): Finding {
  return {
    comparator: 'openapi.diff',
    ruleId: 'response-property-removed',
    level: 'ERR',
    severity: 'high',
    score: 80,
    message: 'GET /pets: response property name was removed',
    file: 'openapi/openapi.yaml',
    line: 14,
    column: 9,
    method: 'GET',
    path: '/pets',
    packId: 'payments-api',
    versionHash: HASH,
    ...over,
  };
}

function pack(findings: Finding[], over: Partial<PackEvaluation> = {}): PackEvaluation {
  const mode = over.mode ?? 'block';
  const testMode = over.testMode ?? false;
  const gated = findings.filter((f) => f.severity === 'high' || f.severity === 'critical');
  const wouldBlock = mode === 'block' && gated.length > 0;
  return { packId: 'payments-api', name: 'Payment Service Policy', file: 'policy-packs/payments-api.yml', versionHash: HASH, mode, testMode, findings, blockAt: 'high', gated, wouldBlock, blocks: wouldBlock && !testMode, ...over };
}

function evaluation(packs: PackEvaluation[], over: Partial<ContractsEvaluation> = {}): ContractsEvaluation {
  return { repo: 'acme/payment-api', baseSha: 'b'.repeat(40), headSha: SHA, packs, invalidPacks: [], blocks: packs.some((p) => p.blocks), notes: [], ...over };
}

const three = [finding(), finding({ line: 30, ruleId: 'api-removed-without-deprecation' }), finding({ line: 41, ruleId: 'request-parameter-became-required' })];
const warning = finding({ level: 'WARN', severity: 'medium', score: 55, line: 50, ruleId: 'response-optional-property-removed' });

describe('buildContractsCheck', () => {
  it('fails in block mode with blocking findings, titled with counts', () => {
    const check = buildContractsCheck(evaluation([pack([...three, warning])]), SHA);
    expect(check).toMatchObject({ name: CONTRACTS_CHECK_NAME, headSha: SHA, status: 'completed', conclusion: 'failure', title: '3 breaking changes, 1 warning' });
    expect(check.summary).toContain(HASH.slice(0, 12));
    expect(check.summary).not.toContain(HASH.slice(0, 13));
    expect(check.summary).toContain('#### high (3)');
    expect(check.summary).toContain('#### medium (1)');
  });

  it('is neutral in warn mode, and in block mode when nothing reaches the blocking severity', () => {
    expect(buildContractsCheck(evaluation([pack(three, { mode: 'warn' })]), SHA).conclusion).toBe('neutral');
    const below = buildContractsCheck(evaluation([pack([warning])]), SHA);
    expect(below).toMatchObject({ conclusion: 'neutral', title: '1 warning' });
  });

  it('succeeds when nothing is found, or only notices', () => {
    expect(buildContractsCheck(evaluation([pack([])]), SHA)).toMatchObject({ conclusion: 'success', title: 'No contract problems found' });
    const info = finding({ level: 'INFO', severity: 'info', score: 5, ruleId: 'api-spec-added' });
    expect(buildContractsCheck(evaluation([pack([info])]), SHA)).toMatchObject({ conclusion: 'success', title: 'No contract problems (1 notice)' });
  });

  it('succeeds with "No policy pack applies" when no pack is selected', () => {
    const check = buildContractsCheck(evaluation([]), SHA);
    expect(check).toMatchObject({ conclusion: 'success', title: 'No policy pack applies', annotations: [] });
  });

  it('fails closed on an invalid pack, naming the file and its first error', () => {
    const ev = evaluation([pack([])], {
      invalidPacks: [{ file: 'policy-packs/payments-api.yml', errors: [{ file: 'policy-packs/payments-api.yml', line: 12, column: 3, message: 'trackA.enforcment: unknown key' }, { file: 'policy-packs/payments-api.yml', line: 20, column: 1, message: 'second' }] }],
      blocks: true,
    });
    const check = buildContractsCheck(ev, SHA, approve(approve(chain0, '0.tier1', 'alice'), '1.tier2', 'bob'));
    expect(check.conclusion).toBe('failure');
    expect(check.title).toBe('Invalid policy pack policy-packs/payments-api.yml: policy-packs/payments-api.yml:12:3 trackA.enforcment: unknown key');
    expect(check.summary).toContain('`policy-packs/payments-api.yml:20:1` second');
  });

  it('never blocks in test mode: neutral, "[test mode] would have failed: …"', () => {
    const check = buildContractsCheck(evaluation([pack(three, { testMode: true })]), SHA);
    expect(check).toMatchObject({ conclusion: 'neutral', title: '[test mode] would have failed: 3 breaking changes' });
    expect(check.summary).toContain('**test mode**');
  });

  it('follows the approval gate', () => {
    const ev = evaluation([pack(three)]);
    const lead = approve(chain0, '0.tier1', 'alice');
    expect(buildContractsCheck(ev, SHA, lead)).toMatchObject({ conclusion: 'failure', title: 'Waiting for approval: Director' });
    expect(buildContractsCheck(ev, SHA, approve(lead, '1.tier2', 'bob'))).toMatchObject({ conclusion: 'success', title: 'Approved by @alice (Team Lead), @bob (Director)' });
    expect(buildContractsCheck(ev, SHA, reject(chain0, '0.tier1', 'carol'))).toMatchObject({ conclusion: 'failure', title: 'Rejected by @carol (Team Lead)' });
    const single = buildContractsCheck(ev, SHA, reject(lead, '1.tier2', 'dan', 'not now'));
    expect(single).toMatchObject({ conclusion: 'failure', title: 'Rejected by @dan (Director)' });
    expect(single.summary).toContain('@dan: not now');
    // No chain required where the pack blocks: nothing lifts the block.
    expect(buildContractsCheck(ev, SHA).conclusion).toBe('failure');
  });

  it('annotates every finding with a file and a line at its line, by level', () => {
    const noLine = finding({ comparator: 'changelog.updated', ruleId: 'changelog-not-updated', file: 'CHANGELOG.md', line: undefined, method: undefined, path: undefined, severity: 'medium', score: 55 });
    const notice = finding({ level: 'INFO', severity: 'info', score: 5, line: 2, ruleId: 'api-spec-added', file: './openapi/new.yaml', method: undefined, path: undefined, column: undefined });
    const check = buildContractsCheck(evaluation([pack([...three, warning, noLine, notice])]), SHA);
    expect(check.annotations.map((a) => [a.path, a.start_line, a.end_line, a.annotation_level])).toEqual([
      ['openapi/openapi.yaml', 14, 14, 'failure'],
      ['openapi/openapi.yaml', 30, 30, 'failure'],
      ['openapi/openapi.yaml', 41, 41, 'failure'],
      ['openapi/openapi.yaml', 50, 50, 'warning'],
      ['openapi/new.yaml', 2, 2, 'notice'],
    ]);
    expect(check.annotations[0]!.message).toBe('GET /pets: response property name was removed');
    expect(check.annotations[0]!.title).toBe('response-property-removed (high)');
    expect(check.title).toBe('3 breaking changes, 1 problem, 1 warning');
  });

  it('keeps the summary within 65,535 characters, truncating rows with "… and N more", and caps annotations at 500', () => {
    const many = Array.from({ length: 3000 }, (_, i) => finding({ line: i + 1, message: `GET /pets/${i}: ${'a property was removed and clients will break; '.repeat(3)}` }));
    const check = buildContractsCheck(evaluation([pack(many)]), SHA);
    expect(check.summary.length).toBeLessThanOrEqual(CHECK_SUMMARY_LIMIT);
    const m = check.summary.match(/… and (\d+) more/);
    expect(m).not.toBeNull();
    const shown = check.summary.split('\n').filter((l) => l.startsWith('| ERR |')).length;
    expect(shown + Number(m![1])).toBe(3000);
    expect(shown).toBeGreaterThan(100);
    expect(check.annotations).toHaveLength(500);
    expect(check.summary).toContain('and 2500 more are not');
    expect(check.title).toBe('3000 breaking changes');
  });

  it('escapes table cells', () => {
    const check = buildContractsCheck(evaluation([pack([finding({ message: 'a | b\nc' })])]), SHA);
    expect(check.summary).toContain('a \\| b c');
  });

  it('builds the in-progress update', () => {
    expect(buildInProgressContractsCheck(SHA)).toMatchObject({ name: 'PuddleJumper / contracts', headSha: SHA, status: 'in_progress', annotations: [] });
    expect(buildInProgressContractsCheck(SHA).conclusion).toBeUndefined();
  });

  it('counts', () => {
    expect(countTitle([finding({ comparator: 'openapi.diff', ruleId: 'api-spec-unparsable' })])).toBe('1 problem');
    expect(countTitle([])).toBe('');
  });
});
