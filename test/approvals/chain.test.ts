import { describe, expect, it } from 'vitest';
import { decideStep, startChain, type Chain, type Decision } from '../../src/approvals/chain.js';
import { chainTemplateFor, DEFAULT_APPROVAL_OPTIONS } from '../../src/approvals/template.js';
import { pack } from './helpers.js';

const t0 = new Date('2026-03-01T10:00:00Z');
const at = (min: number) => new Date(t0.getTime() + min * 60_000);
const pr = { repo: 'acme/api', number: 7, headSha: 'abc', author: { login: 'author' } };

function start(severity: 'critical' | 'high' = 'critical', over: Partial<typeof DEFAULT_APPROVAL_OPTIONS> = {}, p = pack()): Chain {
  return startChain(pr, severity, { template: chainTemplateFor(p, severity), options: { ...DEFAULT_APPROVAL_OPTIONS, ...over } }, t0).chain;
}
const approve = (stepId: string, actor: string, id = actor): Decision => ({ kind: 'approve', stepId, actor, source: { kind: 'comment', id } });
const statuses = (c: Chain) => c.steps.map((s) => `${s.tierId}:${s.status}`);

describe('approval chain state machine', () => {
  it('starts with the first group active and the rest waiting', () => {
    const { chain, events } = startChain(pr, 'critical', { template: chainTemplateFor(pack(), 'critical'), options: DEFAULT_APPROVAL_OPTIONS }, t0);
    expect(chain.key).toBe('acme/api#7@abc');
    expect(statuses(chain)).toEqual(['tier1:active', 'tier2:waiting', 'tier3:waiting']);
    expect(events.map((e) => e.type)).toEqual(['chain_started', 'group_activated']);
  });

  it('keys a chain per PR when invalidateOnPush is off', () => {
    expect(start('high', { invalidateOnPush: false }).key).toBe('acme/api#7');
  });

  it('walks a sequential three-step chain to approved', () => {
    let c = start();
    let r = decideStep(c, approve('0.tier1', 'alice'), at(5));
    expect(r.events.map((e) => e.type)).toEqual(['step_approved', 'group_activated']);
    expect(r.events[0]).toMatchObject({ waitedSeconds: 300 });
    c = r.chain;
    expect(statuses(c)).toEqual(['tier1:approved', 'tier2:active', 'tier3:waiting']);
    expect(decideStep(c, approve('2.tier3', 'cto'), at(6)).refusal).toMatch(/CTO is not active yet \(waiting for Director\)/);
    c = decideStep(c, approve('1.tier2', 'dana'), at(10)).chain;
    r = decideStep(c, approve('2.tier3', 'cto'), at(20));
    expect(r.events.map((e) => e.type)).toEqual(['step_approved', 'chain_approved']);
    expect(r.chain.status).toBe('approved');
    expect(r.chain.steps[0]).toMatchObject({ decidedBy: 'alice', decidedAt: at(5).toISOString(), source: { kind: 'comment', id: 'alice' } });
  });

  it('activates a parallel group together and completes it only when both are approved', () => {
    const p = pack({
      approvalTiers: {
        tier1: { name: 'Team Lead', users: ['alice'] },
        tier2: { name: 'Director', users: ['dana'] },
        security: { name: 'Security', users: ['sec'] },
      },
      approvalChains: { critical: [['tier1'], ['tier2', 'security']] },
    });
    let c = start('critical', {}, p);
    const r1 = decideStep(c, approve('0.tier1', 'alice'), at(1));
    expect(r1.events[1]).toMatchObject({ type: 'group_activated', group: 1, stepIds: ['1.tier2', '1.security'] });
    c = r1.chain;
    expect(statuses(c)).toEqual(['tier1:approved', 'tier2:active', 'security:active']);
    const r2 = decideStep(c, approve('1.security', 'sec'), at(2));
    expect(r2.chain.status).toBe('pending');
    expect(r2.events.map((e) => e.type)).toEqual(['step_approved']);
    const r3 = decideStep(r2.chain, approve('1.tier2', 'dana'), at(3));
    expect(r3.chain.status).toBe('approved');
  });

  it('a rejection at step 2 is terminal', () => {
    let c = decideStep(start(), approve('0.tier1', 'alice'), at(1)).chain;
    const r = decideStep(c, { kind: 'reject', stepId: '1.tier2', actor: 'dana', source: { kind: 'review', id: '9' }, reason: 'no' }, at(2));
    expect(r.events.map((e) => e.type)).toEqual(['step_rejected', 'chain_rejected']);
    c = r.chain;
    expect(c.status).toBe('rejected');
    expect(statuses(c)).toEqual(['tier1:approved', 'tier2:rejected', 'tier3:skipped']);
    expect(decideStep(c, approve('1.tier2', 'dave'), at(3)).refusal).toMatch(/rejected/);
    expect(decideStep(c, { kind: 'retract', actor: 'dana', match: { by: 'dana' } }, at(3)).refusal).toMatch(/final/);
    expect(decideStep(c, approve('1.tier2', 'dave'), at(3)).chain).toBe(c);
  });

  it('distinctApprovers: one person fills at most one step (case-insensitively)', () => {
    const c = decideStep(start(), approve('0.tier1', 'alice'), at(1)).chain;
    const r = decideStep(c, approve('1.tier2', 'ALICE'), at(2));
    expect(r.refusal).toMatch(/already approved Team Lead/);
    expect(r.events).toEqual([]);
    const relaxed = decideStep(start('critical', { distinctApprovers: false }), approve('0.tier1', 'alice'), at(1)).chain;
    expect(decideStep(relaxed, approve('1.tier2', 'alice'), at(2)).refusal).toBeUndefined();
  });

  it('retracting an earlier approval sends later groups back to waiting and clears their approvals', () => {
    let c = start();
    c = decideStep(c, approve('0.tier1', 'alice', 'c1'), at(1)).chain;
    c = decideStep(c, approve('1.tier2', 'dana', 'c2'), at(2)).chain;
    expect(statuses(c)).toEqual(['tier1:approved', 'tier2:approved', 'tier3:active']);
    const r = decideStep(c, { kind: 'retract', actor: 'alice', match: { source: { kind: 'comment', id: 'c1' } } }, at(3));
    expect(statuses(r.chain)).toEqual(['tier1:active', 'tier2:waiting', 'tier3:waiting']);
    expect(r.events.map((e) => [e.type, 'cascade' in e ? e.cascade : null])).toEqual([
      ['step_retracted', false],
      ['step_retracted', true],
    ]);
    expect(r.chain.steps[1]!.decidedBy).toBeUndefined();
  });

  it('retracting an approval of an approved chain makes it pending again', () => {
    let c = start('high');
    c = decideStep(c, approve('0.tier1', 'alice'), at(1)).chain;
    c = decideStep(c, approve('1.tier2', 'dana'), at(2)).chain;
    expect(c.status).toBe('approved');
    const r = decideStep(c, { kind: 'retract', actor: 'dana', match: { by: 'Dana' } }, at(3));
    expect(r.chain.status).toBe('pending');
    expect(statuses(r.chain)).toEqual(['tier1:approved', 'tier2:active']);
  });

  it('an empty template gives an approved chain without steps', () => {
    const { chain } = startChain(pr, 'critical', { template: { groups: [] }, options: DEFAULT_APPROVAL_OPTIONS }, t0);
    expect(chain.status).toBe('approved');
    expect(chain.steps).toEqual([]);
  });
});
