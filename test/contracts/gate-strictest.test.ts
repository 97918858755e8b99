// One commit, several open PRs: the commit's checks are the strictest of their gates
// (contracts/gate.ts `strictest`), and what a chain was approved for is fingerprinted
// (`findingsFingerprint`). Pure.
import { describe, expect, it } from 'vitest';
import { decideGate, findingsFingerprint, strictest, verdictRank, type GateDecision, type Verdict } from '../../src/contracts/gate.js';
import type { ContractsEvaluation } from '../../src/contracts/evaluate.js';
import type { Finding } from '../../src/contracts/findings.js';

const verdict = (conclusion: Verdict['conclusion'] | 'in_progress', title: string): Verdict =>
  conclusion === 'in_progress' ? { status: 'in_progress', title, explanation: `${title}.` } : { status: 'completed', conclusion, title, explanation: `${title}.` };

function decision(contracts: Verdict, approvals: Verdict = verdict('success', 'No approval required')): GateDecision {
  return { mode: 'gate', approval: { state: 'not_required', waitingFor: [], approvedBy: [] }, gated: false, contracts, approvals };
}

describe('strictest: a failure on any one PR is the failure', () => {
  it('ranks failure > in progress > neutral > success', () => {
    expect([verdict('success', 's'), verdict('neutral', 'n'), verdict('in_progress', 'p'), verdict('failure', 'f')].map(verdictRank)).toEqual([1, 2, 3, 4]);
  });

  it('one PR: its own verdicts, untouched', () => {
    const d = decision(verdict('failure', 'Waiting for approval: Team Lead'));
    const head = strictest([{ prNumber: 7, base: 'main', decision: d }]);
    expect(head.contracts).toBe(d.contracts);
    expect(head.approvals).toBe(d.approvals);
  });

  it('several PRs: the strictest conclusion, whatever the order they come in, with each PR named', () => {
    const blocked = { prNumber: 7, base: 'main', decision: decision(verdict('failure', 'Waiting for approval: Team Lead'), verdict('in_progress', 'Waiting for approval: Team Lead')) };
    const clean = { prNumber: 9, base: 'tmp', decision: decision(verdict('success', 'No contract problems found')) };
    for (const order of [[blocked, clean], [clean, blocked]]) {
      const head = strictest(order);
      expect(head.decisive.prNumber).toBe(7);
      expect(head.contracts).toMatchObject({ status: 'completed', conclusion: 'failure', title: '#7: Waiting for approval: Team Lead · #9: No contract problems found' });
      expect(head.contracts.explanation).toMatch(/head of 2 open pull requests \(#7 → main, #9 → tmp\).*#7 → main decides it/);
      expect(head.approvals).toMatchObject({ status: 'in_progress', title: '#7: Waiting for approval: Team Lead · #9: No approval required' });
      expect(head.approvals.conclusion).toBeUndefined();
    }
  });

  it('a neutral PR outranks a passing one; ties go to the lower PR number', () => {
    const head = strictest([
      { prNumber: 12, decision: decision(verdict('neutral', '1 warning')) },
      { prNumber: 3, decision: decision(verdict('success', 'No contract problems found')) },
      { prNumber: 5, decision: decision(verdict('neutral', '2 warnings')) },
    ]);
    expect(head.contracts.conclusion).toBe('neutral');
    expect(head.prs.map((g) => g.prNumber)).toEqual([5, 12, 3]);
  });

  it('refuses an empty list (there is always the PR being published)', () => {
    expect(() => strictest([])).toThrow(/no pull request/);
  });

  it('combines real gate decisions: an approved PR and a rejected one make a failure', () => {
    const ev = evaluation([finding({})]);
    const chain = (status: 'approved' | 'rejected') => ({
      key: 'k', repo: 'acme/api', prNumber: 1, headSha: 'h', severity: 'high' as const, status, prAuthor: 'x', createdAt: '2026-01-01T00:00:00Z',
      tiers: {}, options: { invalidateOnPush: true, allowAuthor: false, distinctApprovers: true, changesRequested: 'reject' as const },
      steps: [{ id: '0.lead', group: 0, tierId: 'lead', tierName: 'Lead', status, decidedBy: 'alice' }],
    });
    const head = strictest([
      { prNumber: 1, decision: decideGate(ev, { mode: 'gate' }, chain('approved')) },
      { prNumber: 2, decision: decideGate(ev, { mode: 'gate' }, chain('rejected')) },
    ]);
    expect(head.contracts.conclusion).toBe('failure');
    expect(head.contracts.title).toBe('#2: Rejected by @alice (Lead) · #1: Approved by @alice (Lead)');
  });
});

function finding(over: Partial<Finding>): Finding {
  return {
    comparator: 'openapi.diff', ruleId: 'api-path-removed', level: 'ERR', severity: 'high', score: 80,
    message: 'DELETE /pets/{id}: api path removed (base: openapi/openapi.yaml:36)', file: 'openapi/openapi.yaml', line: 24, column: 3,
    method: 'DELETE', path: '/pets/{id}', packId: 'api', versionHash: 'v1', ...over,
  };
}

function evaluation(findings: Finding[], testMode = false): ContractsEvaluation {
  return {
    repo: 'acme/api', baseSha: 'b', headSha: 'h', invalidPacks: [], blocks: true, notes: [], highestSeverity: 'high',
    packs: [{ packId: 'api', name: 'API', file: 'p/api.yml', versionHash: 'v1', mode: 'block', testMode, blockAt: 'high', blocks: !testMode, wouldBlock: true, findings } as ContractsEvaluation['packs'][number]],
  };
}

describe('findingsFingerprint: what an approval was given for', () => {
  it('ignores line and column numbers, the order of findings and duplicates', () => {
    const a = finding({});
    const b = finding({ ruleId: 'request-parameter-became-required', method: 'GET', path: '/pets', message: 'GET /pets: limit became required', line: 12 });
    const moved = { ...a, line: 40, column: 9, message: 'DELETE /pets/{id}: api path removed (base: openapi/openapi.yaml:51)' };
    expect(findingsFingerprint(evaluation([a, b]))).toBe(findingsFingerprint(evaluation([b, moved, moved])));
  });

  it('changes with a new finding, another rule, file, element or severity', () => {
    const base = findingsFingerprint(evaluation([finding({})]));
    expect(findingsFingerprint(evaluation([finding({}), finding({ path: '/owners/{id}', message: 'DELETE /owners/{id}: api path removed' })]))).not.toBe(base);
    expect(findingsFingerprint(evaluation([finding({ ruleId: 'api-operation-removed' })]))).not.toBe(base);
    expect(findingsFingerprint(evaluation([finding({ file: 'openapi/other.yaml' })]))).not.toBe(base);
    expect(findingsFingerprint(evaluation([finding({ method: 'GET' })]))).not.toBe(base);
    expect(findingsFingerprint(evaluation([finding({ severity: 'critical' })]))).not.toBe(base);
    expect(findingsFingerprint(evaluation([finding({ message: 'DELETE /pets/{id}: property `tag` removed (base: openapi/openapi.yaml:36)' })]))).not.toBe(base);
  });

  it('leaves test-mode packs out (they never drive approvals)', () => {
    expect(findingsFingerprint(evaluation([finding({})], true))).toBe(findingsFingerprint(evaluation([], false)));
  });
});
