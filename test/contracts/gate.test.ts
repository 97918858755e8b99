import { describe, expect, it } from 'vitest';
import { evaluateChange } from '../../src/contracts/evaluate-change.js';
import { decideGate } from '../../src/contracts/gate.js';
import { loadPackSet } from '../../src/packs/load-set.js';
import { buildApprovalsCheck } from '../../src/report/approvals-check.js';
import { buildContractsCheck } from '../../src/report/contracts-check.js';
import { MemoryChangeSet } from '../change/fakes.js';
import { known } from '../packs/known.js';

const pack = (mode: 'block' | 'warn', extra = '') => `id: api
name: API
scope: { type: workspace }
trackA:
  comparators:
    - { type: changelog.updated, severity: medium }
  enforcement: { mode: ${mode}${extra} }
approvalTiers:
  lead: { name: Team Lead, users: [alice], requiredFor: [medium] }
`;

const change = () => new MemoryChangeSet({ base: { 'src/a.ts': '1' }, head: { 'src/a.ts': '2' } });

async function decide(text: string) {
  const { evaluation, required } = await evaluateChange(change(), loadPackSet([{ path: 'p/api.yml', text }], known), new Date('2026-03-01T00:00:00Z'));
  const decision = decideGate(evaluation, required, undefined);
  return { evaluation, required, decision, contracts: buildContractsCheck(evaluation, decision), approvals: buildApprovalsCheck(undefined, evaluation.headSha, decision.approvals) };
}

describe('the gate: the severity at which a block-mode pack blocks is the pack\'s', () => {
  it('a block-mode pack whose tier is requiredFor medium gates a medium finding', async () => {
    const { evaluation, required, contracts } = await decide(pack('block'));
    expect(evaluation.highestSeverity).toBe('medium');
    expect(evaluation.packs[0]).toMatchObject({ blockAt: 'medium', blocks: true });
    expect(required.mode).toBe('gate');
    expect(required.chains).toHaveLength(1);
    // Without the lead's approval (no chain yet) the check fails: nothing passes in silence.
    expect(contracts.conclusion).toBe('failure');
    expect(contracts.summary).toMatch(/Block mode: findings at or above \*\*medium\*\*/);
  });

  it('the approvals check of a block-mode pack is never called advisory', async () => {
    const { approvals } = await decide(pack('block'));
    expect(approvals.title).not.toMatch(/advisory/i);
  });

  it('enforcement.blockAt lowers the bar on its own, and warn mode stays advisory', async () => {
    const low = await decide(pack('block', ', blockAt: low').replace('requiredFor: [medium]', 'requiredFor: [critical]'));
    expect(low.evaluation.packs[0]).toMatchObject({ blockAt: 'low', blocks: true });
    expect(low.contracts.conclusion).toBe('failure');
    const warn = await decide(pack('warn'));
    expect(warn.required.mode).toBe('advisory');
    expect(warn.contracts.conclusion).toBe('neutral');
  });

  it('the default stays high: a medium finding of a block pack without medium tiers does not block', async () => {
    const r = await decide(pack('block').replace('requiredFor: [medium]', 'requiredFor: [high]'));
    expect(r.evaluation.packs[0]).toMatchObject({ blockAt: 'high', blocks: false });
    expect(r.contracts.conclusion).toBe('neutral');
  });
});
