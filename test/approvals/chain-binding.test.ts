// A chain is bound to what was approved: head (per head with invalidateOnPush), base and
// the findings fingerprint. Any change supersedes it (audited, with the reason); with
// invalidateOnPush off only a head change that leaves base and findings identical keeps it.
// Going back to an earlier head starts a fresh chain, never the superseded one.
import { describe, expect, it } from 'vitest';
import { planEnsure, type ChainBinding, type ChainRecord } from '../../src/approvals/decide.js';
import { templateForPacks } from '../../src/approvals/template.js';
import type { Pack } from '../../src/packs/schema.js';
import { ensureChain } from '../../src/usecases/ensure-chain.js';
import { AUTHOR, HEAD, PR, REPO, STORE_KINDS, comment, pack, setup } from './helpers.js';

const HEAD2 = 'f'.repeat(40);
const statuses = (c: { steps: Array<{ tierId: string; status: string }> } | undefined) => c?.steps.map((s) => `${s.tierId}:${s.status}`);

describe('planEnsure (pure)', () => {
  const record = (over: Partial<ChainRecord> = {}): ChainRecord => ({
    chain: { key: 'k', repo: REPO, prNumber: PR, headSha: HEAD, severity: 'high', status: 'approved', steps: [], tiers: {}, options: {} as never, prAuthor: AUTHOR, createdAt: '' },
    supersededAt: null,
    supersededReason: null,
    templateHash: 'id',
    lastHeadSha: HEAD,
    base: 'main',
    findings: 'fp',
    ...over,
  });
  const bound: ChainBinding = { headSha: HEAD, base: 'main', findings: 'fp' };

  it('keeps a chain bound to the same head, base and findings', () => {
    expect(planEnsure(record(), undefined, 'id', bound)).toEqual({ kind: 'keep', touchHead: false });
  });

  it('replaces it when the base, the findings or the template changed, or it predates binding', () => {
    expect(planEnsure(record(), undefined, 'id', { ...bound, base: 'tmp' })).toEqual({ kind: 'replace', reason: 'base_changed' });
    expect(planEnsure(record(), undefined, 'id', { ...bound, findings: 'other' })).toEqual({ kind: 'replace', reason: 'findings_changed' });
    expect(planEnsure(record(), undefined, 'other', bound)).toEqual({ kind: 'replace', reason: 'template_changed' });
    expect(planEnsure(record({ base: null, findings: null }), undefined, 'id', bound)).toEqual({ kind: 'replace', reason: 'unbound' });
  });

  it('a head whose chain a later head superseded is "returning": only the PR\'s current head can tell a force-push back from a late delivery', () => {
    const old = record({ supersededAt: '2026-01-01T00:00:00Z', supersededReason: 'newer_head' });
    expect(planEnsure(undefined, old, 'id', bound)).toEqual({ kind: 'returning' });
    expect(planEnsure(undefined, record({ supersededAt: 'x', supersededReason: 'not_required' }), 'id', bound)).toEqual({ kind: 'create' });
    expect(planEnsure(undefined, undefined, 'id', bound)).toEqual({ kind: 'create' });
  });
});

describe.each(STORE_KINDS)('chains bound to what was approved, on the %s store', (store) => {
  async function start(p: Pack) {
    const t = await setup({ store });
    const ensure = (o: { head?: string; base?: string; findings?: string; current?: boolean }) => {
      const pr = { installationId: 1, repo: REPO, number: PR, baseSha: 'b'.repeat(40), baseRef: o.base ?? 'main', headSha: o.head ?? HEAD, author: { login: AUTHOR, type: 'User' }, labels: [] };
      return ensureChain(t.deps, pr, 'high', templateForPacks([p], 'high'), { findings: o.findings ?? 'fp1', ...(o.current !== undefined ? { isCurrentHead: async () => o.current! } : {}) });
    };
    return { t, ensure };
  }

  it('invalidateOnPush off: a push with the same base and findings keeps the approvals; other findings supersede the chain', async () => {
    const { t, ensure } = await start(pack({ approvalOptions: { invalidateOnPush: false } }));
    await ensure({});
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
    const pushed = await ensure({ head: HEAD2 });
    expect(pushed).toMatchObject({ created: false });
    expect(statuses(pushed.chain)).toEqual(['tier1:approved', 'tier2:active']);

    const more = await ensure({ head: 'a'.repeat(40), findings: 'fp2' });
    expect(more).toMatchObject({ created: true, replaced: { reason: 'findings_changed', because: 'the findings changed', approvedBy: ['alice'] } });
    expect(statuses(more.chain)).toEqual(['tier1:active', 'tier2:waiting']);
    expect(t.audits.filter((a) => a.type === 'approval.chain_superseded').map((a) => a.details)).toEqual([
      expect.objectContaining({ reason: 'findings_changed', because: 'the findings changed' }),
    ]);
  });

  it('invalidateOnPush off: a base change supersedes the chain even at the same findings', async () => {
    const { t, ensure } = await start(pack({ approvalOptions: { invalidateOnPush: false } }));
    await ensure({ base: 'tmp' });
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
    const moved = await ensure({ base: 'main' });
    expect(moved).toMatchObject({ created: true, replaced: { reason: 'base_changed', because: 'the base changed (tmp → main)' } });
    expect(statuses(moved.chain)).toEqual(['tier1:active', 'tier2:waiting']);
  });

  it('invalidateOnPush on: back to an earlier head starts a fresh chain when it is the head; a late evaluation changes nothing', async () => {
    const { t, ensure } = await start(pack());
    await ensure({ head: HEAD });
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
    await ensure({ head: HEAD2 });
    // Late (GitHub says the head is HEAD2): nothing moves, no chain answers for HEAD.
    const late = await ensure({ head: HEAD, current: false });
    expect(late).toEqual({ chain: undefined, created: false, stale: true });
    expect((await t.current())?.headSha).toBe(HEAD2);
    // A force-push back: a fresh chain for HEAD, without alice's earlier approval; HEAD2's is superseded.
    const back = await ensure({ head: HEAD, current: true });
    expect(back.created).toBe(true);
    expect(statuses(back.chain)).toEqual(['tier1:active', 'tier2:waiting']);
    const all = await t.chains.forPr(REPO, PR, { includeSuperseded: true });
    expect(all.map((c) => [c.chain.headSha, c.supersededReason])).toEqual([
      [HEAD, null],
      [HEAD2, 'newer_head'],
      [HEAD, 'newer_head'],
    ]);
    // A comment now acts on the fresh chain of HEAD — never on HEAD2's, never on the superseded one.
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 2 }));
    expect(statuses((await t.current())!)).toEqual(['tier1:approved', 'tier2:active']);
    expect((await t.current())!.headSha).toBe(HEAD);
  });
});
