import { describe, expect, it } from 'vitest';
import { decideStep, startChain } from '../../src/approvals/chain.js';
import { chainTemplateFor, DEFAULT_APPROVAL_OPTIONS } from '../../src/approvals/template.js';
import { buildApprovalsCheck } from '../../src/report/approvals-check.js';
import { approvalState as gateState, approvalsVerdict } from '../../src/contracts/gate.js';
import type { Chain } from '../../src/approvals/chain.js';

const checkOf = (c: Chain | undefined, head: string) => buildApprovalsCheck(c, head, approvalsVerdict(gateState(c), false));
import { pack } from './helpers.js';

const t0 = new Date('2026-03-01T10:00:00Z');
const chain0 = startChain({ repo: 'acme/api', number: 7, headSha: 'abc', author: { login: 'author' } }, 'high', { template: chainTemplateFor(pack(), 'high'), options: DEFAULT_APPROVAL_OPTIONS }, t0).chain;
const src = { kind: 'comment' as const, id: '1' };

describe('approvals check run and gate', () => {
  it('no chain: success, not required', () => {
    const c = checkOf(undefined, 'abc');
    expect(c).toMatchObject({ name: 'PuddleJumper / approvals', headSha: 'abc', status: 'completed', conclusion: 'success', title: 'No approval required' });
    expect(gateState(undefined)).toEqual({ state: 'not_required', waitingFor: [], approvedBy: [] });
  });

  it('pending: in_progress without a conclusion, title names the waiting tiers, summary lists who can approve', () => {
    const c = checkOf(chain0, 'abc');
    expect(c.status).toBe('in_progress');
    expect(c.conclusion).toBeUndefined();
    expect(c.title).toBe('Waiting for approval: Team Lead'); // who can act now; Director comes after
    expect(c.summary).toContain('@alice, acme/team-leads members');
    expect(c.summary).toContain('acme/directors members');
    expect(gateState(chain0)).toMatchObject({ state: 'waiting', waitingFor: ['Team Lead'] });
  });

  it('approved: success, "Approved by @alice (Team Lead), @bob (Director)"', () => {
    let c = decideStep(chain0, { kind: 'approve', stepId: '0.tier1', actor: 'alice', source: src }, t0).chain;
    c = decideStep(c, { kind: 'approve', stepId: '1.tier2', actor: 'bob', source: src }, t0).chain;
    const check = checkOf(c, 'abc');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success', title: 'Approved by @alice (Team Lead), @bob (Director)' });
    expect(check.summary).toContain(`@alice, ${t0.toISOString()} via comment`);
    expect(gateState(c)).toEqual({ state: 'approved', waitingFor: [], approvedBy: [{ login: 'alice', tier: 'Team Lead' }, { login: 'bob', tier: 'Director' }] });
  });

  it('rejected: failure with who and why', () => {
    const c = decideStep(chain0, { kind: 'reject', stepId: '0.tier1', actor: 'alice', source: src, reason: 'breaks clients' }, t0).chain;
    expect(checkOf(c, 'abc')).toMatchObject({ status: 'completed', conclusion: 'failure', title: 'Rejected by @alice (Team Lead): breaks clients' });
    expect(gateState(c).state).toBe('rejected');
  });
});
