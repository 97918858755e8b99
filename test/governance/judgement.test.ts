import { describe, expect, it } from 'vitest';
import { judge } from '../../src/governance/judge.js';
import type { ActionProposal, PackOrigin } from '../../src/governance/action.js';
import { registry as metricsRegistry } from '../../src/metrics.js';
import { auditTypes, checkPayload, harness, SHA } from './helpers.js';

const origin = (o: Partial<PackOrigin> = {}): PackOrigin => ({ packId: 'docs-drift', versionHash: 'h1', valid: true, testMode: false, ...o });
const prPayload = {
  repo: 'acme/docs',
  base: 'main',
  branch: 'puddlejumper/docs-drift',
  title: 'Update runbook',
  body: 'Drift found',
  marker: 'docs-drift:runbook',
  files: [{ path: 'runbooks/payments.md', content: '# new' }],
  commitMessage: 'docs: update runbook',
};
const pr = (o: PackOrigin): ActionProposal => ({
  installationId: 1,
  kind: 'pull_request.upsert',
  idempotencyKey: 'pr:acme/docs:docs-drift',
  subject: { repo: 'acme/docs', prNumber: 12 },
  payload: prPayload,
  origin: o,
});

describe('judgement, fail closed', () => {
  it('a test-mode pack proposing a remediation PR is denied and audited with the reason', async () => {
    const h = await harness();
    const action = await h.pipeline.propose(pr(origin({ testMode: true })));
    expect(action.status).toBe('denied');
    expect(action.reason).toMatch(/pack "docs-drift" is in test mode: it may only publish its own neutral check run/);
    const denied = (await auditTypes(h.db, action.id)).find((e) => e.type === 'action.denied');
    expect(denied?.details).toMatchObject({ code: 'test_mode', packId: 'docs-drift', packVersionHash: 'h1' });
    expect(String(denied?.details.reason)).toMatch(/test mode/);
    expect(await h.pipeline.runUntilIdle()).toBe(0); // nothing is dispatched (nock would reject any request)
    expect(await metricsRegistry.getSingleMetricAsString('pj_action_failures_total')).toMatch(/reason="denied_test_mode"} 1/);
  });

  it('a test-mode pack may publish its neutral (or not yet completed) check run, nothing else', () => {
    const base = { kind: 'check_run.upsert', origin: origin({ testMode: true }) };
    const d = { validate: () => undefined };
    expect(judge({ proposal: { ...base, payload: checkPayload({ conclusion: 'neutral' }) }, dispatcher: d, chainApproved: true }).decision).toBe('approve');
    expect(judge({ proposal: { ...base, payload: checkPayload({ status: 'in_progress', conclusion: undefined }) }, dispatcher: d, chainApproved: true }).decision).toBe('approve');
    expect(judge({ proposal: { ...base, payload: checkPayload({ conclusion: 'failure' }) }, dispatcher: d, chainApproved: true }).decision).toBe('deny');
    expect(judge({ proposal: { ...base, kind: 'comment.upsert', payload: {} }, dispatcher: d, chainApproved: true }).decision).toBe('deny');
  });

  it('unknown kinds, invalid packs, disallowed outputs and invalid payloads are denied', async () => {
    const h = await harness();
    const unknown = await h.pipeline.propose({ ...pr(origin()), kind: 'jira.create', idempotencyKey: 'u' });
    expect(unknown).toMatchObject({ status: 'denied' });
    expect(unknown.reason).toMatch(/unknown action kind "jira.create"/);
    const invalid = await h.pipeline.propose({ ...pr(origin({ valid: false })), idempotencyKey: 'i' });
    expect(invalid.reason).toMatch(/pack "docs-drift" is invalid/);
    const notAllowed = await h.pipeline.propose({ ...pr(origin({ allowedOutputs: ['digest_issue'] })), idempotencyKey: 'o' });
    expect(notAllowed.reason).toMatch(/does not allow output "remediation_pr"/);
    const allowed = await h.pipeline.propose({ ...pr(origin({ allowedOutputs: ['remediation_pr'] })), idempotencyKey: 'a' });
    expect(allowed.status).toBe('approved');
    const badPayload = await h.pipeline.propose({ ...pr(origin()), idempotencyKey: 'b', payload: { ...prPayload, files: [] } });
    expect(badPayload.reason).toMatch(/invalid pull_request.upsert payload: files/);
    const wrongPack = await h.pipeline.propose(pr(origin()), { type: 'pack', packId: 'other' });
    expect(wrongPack.reason).toMatch(/may only propose actions for itself/);
    // Approved actions that are not dispatched in this test would reach GitHub; drop them.
    await h.db.deleteFrom('actions').where('status', '=', 'approved').execute();
  });

  it('an unconfigured Slack target is denied with "routing target X has no credentials", not thrown', async () => {
    const h = await harness({ env: {} });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'notify.slack',
      idempotencyKey: 'slack:1',
      subject: { repo: 'acme/api', prNumber: 1 },
      payload: { target: '#platform', text: 'Contract gate failed' },
      origin: origin(),
    });
    expect(action.status).toBe('denied');
    expect(action.reason).toMatch(/^routing target #platform has no credentials/);
    const denied = (await auditTypes(h.db, action.id)).find((e) => e.type === 'action.denied');
    expect(denied?.details.code).toBe('no_credentials');
  });

  it('a webhook target without its secret, or not declared by the pack, is denied', async () => {
    const h = await harness({ env: {} });
    const routing = { emailList: [], webhooks: [{ name: 'ops', url: 'https://hooks.example.com/pj', secretEnv: 'PJ_SECRET_OPS_HOOK' }] };
    const noSecret = await h.pipeline.propose({
      installationId: 1,
      kind: 'notify.webhook',
      idempotencyKey: 'wh:1',
      subject: { repo: 'acme/api' },
      payload: { target: 'ops', event: 'gate.failed', body: {} },
      origin: origin({ routing }),
    });
    expect(noSecret.reason).toBe('routing target ops has no credentials (PJ_SECRET_OPS_HOOK is not set)');
    const undeclared = await h.pipeline.propose({
      installationId: 1,
      kind: 'notify.webhook',
      idempotencyKey: 'wh:2',
      subject: { repo: 'acme/api' },
      payload: { target: 'nope', event: 'gate.failed', body: {} },
      origin: origin({ routing }),
    });
    expect(undeclared.reason).toMatch(/routing target nope is not declared/);
  });
});

describe('supersede and approval chains', () => {
  const proposal = (conclusion: string, awaitChain?: string): ActionProposal => ({
    installationId: 1,
    kind: 'check_run.upsert',
    idempotencyKey: `check:acme/api@${SHA}:gate`,
    subject: { repo: 'acme/api', prNumber: 5, headSha: SHA },
    payload: checkPayload({ conclusion }),
    ...(awaitChain ? { awaitChain } : {}),
  });

  it('a newer proposal for the same key supersedes a waiting one; the chain releases the newest', async () => {
    const approved = new Set<string>();
    const h = await harness({ chains: { isApproved: async (k) => approved.has(k) } });
    const first = await h.pipeline.propose(proposal('failure', 'chain:acme/api#5'));
    expect(first.status).toBe('proposed');
    expect((await auditTypes(h.db, first.id)).map((e) => e.type)).toEqual(['action.proposed', 'action.awaiting_chain']);

    const second = await h.pipeline.propose(proposal('action_required', 'chain:acme/api#5'));
    expect(second).toMatchObject({ status: 'proposed', revision: 2 });
    expect(await h.pipeline.get(first.id)).toMatchObject({ status: 'superseded', supersededBy: second.id });

    // Same payload again: a no-op.
    expect((await h.pipeline.propose(proposal('action_required', 'chain:acme/api#5'))).id).toBe(second.id);

    expect(await h.pipeline.release('chain:acme/api#5')).toMatchObject([{ id: second.id, status: 'proposed' }]);
    approved.add('chain:acme/api#5');
    expect(await h.pipeline.release('chain:acme/api#5')).toMatchObject([{ id: second.id, status: 'approved' }]);
    expect((await h.pipeline.get(first.id))?.status).toBe('superseded');

    // An approved update not yet claimed is superseded too, so a stale update is never sent after a newer one.
    const third = await h.pipeline.propose(proposal('success'));
    expect(third).toMatchObject({ status: 'approved', revision: 3 });
    expect((await h.pipeline.get(second.id))?.status).toBe('superseded');
    await h.db.deleteFrom('actions').where('id', '=', third.id).execute();
  });

  it('a rejected chain denies what waits for it', async () => {
    const h = await harness();
    const waiting = await h.pipeline.propose(proposal('failure', 'chain:x'));
    expect(await h.pipeline.rejectChain('chain:x', 'rejected by @cto')).toBe(1);
    expect(await h.pipeline.get(waiting.id)).toMatchObject({ status: 'denied', reason: 'rejected by @cto' });
  });

  it('revisions of one key are dispatched in order: a newer one waits while an older one is dispatching', async () => {
    const h = await harness();
    const a = await h.pipeline.propose(proposal('failure'));
    const claimed = await h.pipeline.claim((await h.pipeline.store.due(h.clock.now().toISOString(), 5))[0]!);
    expect(claimed?.id).toBe(a.id);
    const b = await h.pipeline.propose(proposal('success'));
    expect(b.status).toBe('approved');
    expect((await h.pipeline.get(a.id))?.status).toBe('dispatching'); // not superseded mid-flight
    const candidate = (await h.pipeline.store.due(h.clock.now().toISOString(), 5)).find((r) => r.id === b.id)!;
    expect(await h.pipeline.claim(candidate)).toBeUndefined();
    await h.db.deleteFrom('actions').execute();
  });
});
