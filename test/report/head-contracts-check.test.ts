// The contracts check of a commit that is the head of several open PRs: the strictest
// verdict, each PR named with its own, each PR's findings, every annotation once, and
// within GitHub's summary limit however many findings there are.
import { describe, expect, it } from 'vitest';
import type { ContractsEvaluation } from '../../src/contracts/evaluate.js';
import type { Finding } from '../../src/contracts/findings.js';
import { decideGate, strictest } from '../../src/contracts/gate.js';
import { CHECK_SUMMARY_LIMIT } from '../../src/report/check-run.js';
import { buildContractsCheck, buildHeadContractsCheck } from '../../src/report/contracts-check.js';

const finding = (i: number): Finding => ({
  comparator: 'openapi.diff', ruleId: 'api-path-removed', level: 'ERR', severity: 'high', score: 80,
  message: `DELETE /pets/${i}: api path removed`, file: 'openapi/openapi.yaml', line: 10 + i, method: 'DELETE', path: `/pets/${i}`, packId: 'api', versionHash: 'v1',
});

function evaluation(findings: Finding[]): ContractsEvaluation {
  return {
    repo: 'acme/api', baseSha: 'b', headSha: 'h'.repeat(40), invalidPacks: [], notes: [], blocks: findings.length > 0, ...(findings.length ? { highestSeverity: 'high' as const } : {}),
    packs: [{ packId: 'api', name: 'API', file: 'p/api.yml', versionHash: 'v1', mode: 'block', testMode: false, blockAt: 'high', blocks: findings.length > 0, wouldBlock: findings.length > 0, findings } as ContractsEvaluation['packs'][number]],
  };
}

function parts(a: Finding[], b: Finding[]) {
  const list = [
    { prNumber: 9, base: 'tmp', evaluation: evaluation(b) },
    { prNumber: 7, base: 'main', evaluation: evaluation(a) },
  ].map((p) => ({ ...p, decision: decideGate(p.evaluation, { mode: 'no_chain' }, undefined) }));
  return { list, head: strictest(list) };
}

describe('the contracts check of a commit with several open PRs', () => {
  it('one PR renders exactly as its own check', () => {
    const ev = evaluation([finding(1)]);
    const d = decideGate(ev, { mode: 'no_chain' }, undefined);
    const one = [{ prNumber: 7, base: 'main', evaluation: ev, decision: d }];
    expect(buildHeadContractsCheck(ev.headSha, one, strictest(one))).toEqual(buildContractsCheck(ev, d));
  });

  it('names each PR with its own verdict, shows each PR\'s findings, and annotates each finding once', () => {
    const { list, head } = parts([finding(1), finding(2)], [finding(2)]);
    const check = buildHeadContractsCheck('h'.repeat(40), list, head);
    expect(check).toMatchObject({ conclusion: 'failure', title: '#7: 2 breaking changes · #9: 1 breaking change' });
    expect(check.summary).toMatch(/\| #7 \| `main` \| failure \| 2 breaking changes \|/);
    expect(check.summary).toMatch(/\| #9 \| `tmp` \| failure \| 1 breaking change \|/);
    expect(check.summary.indexOf('# #7 → main')).toBeLessThan(check.summary.indexOf('# #9 → tmp'));
    expect(check.annotations.map((a) => a.start_line).sort()).toEqual([11, 12]);
  });

  it('stays within the summary limit with thousands of findings on each PR', () => {
    const many = Array.from({ length: 3000 }, (_, i) => finding(i));
    const { list, head } = parts(many, many.slice(0, 2500));
    const check = buildHeadContractsCheck('h'.repeat(40), list, head);
    expect(check.summary.length).toBeLessThanOrEqual(CHECK_SUMMARY_LIMIT);
    expect(check.summary).toMatch(/# #7 → main/);
    expect(check.summary).toMatch(/# #9 → tmp/);
    expect(check.summary).toMatch(/and \d+ more/);
  });
});
