// prHourlyLimit / prConcurrentLimit: a flush that would open a new remediation PR beyond the
// installation's limits is deferred (its items wait an hour in the window), unless it holds a
// breaking item; an update of an open remediation PR is never limited.
import { describe, expect, it } from 'vitest';
import type { ActionProposal } from '../../src/governance/action.js';
import { PackSchemaForTest } from './limits-pack.js';
import { flushDrift } from '../../src/usecases/drift-flush.js';
import { sqlDriftStore } from '../../src/store/drift.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { change, detect, fixture, RUNBOOK } from './helpers.js';

const NOW = new Date('2026-03-02T10:00:00.000Z');

async function setup(opened: number) {
  const db = await openMemoryDatabase();
  const store = sqlDriftStore(db);
  for (let i = 0; i < opened; i++) await store.openRemediation({ installationId: 1, packId: 'p', docKey: `github:acme/docs:other-${i}.md`, system: 'github', repo: 'acme/docs', branch: `puddlejumper/drift/other-${i}`, openedAt: new Date(NOW.getTime() - 10 * 60_000).toISOString() }, NOW);
  const proposed: ActionProposal[] = [];
  const doc = fixture('runbook-payments.md');
  const deps = {
    installationId: 1,
    owner: 'acme',
    packs: async () => ({ packs: [], services: {}, errors: [] }),
    docs: { read: async () => ({ text: doc, version: 'blob1', base: 'main' }) },
    store,
    outbox: { propose: async (p: ActionProposal) => void proposed.push(p), release: async () => undefined, rejectChain: async () => undefined },
    audit: async () => undefined,
    now: () => NOW,
  };
  return { db, deps, proposed, doc };
}

async function items(doc: string, pkgHead: Record<string, string>) {
  const c = change({ 'package.json': JSON.stringify({ scripts: { 'deploy:prod': 'x', 'db:migrate': 'y' } }) }, { 'package.json': JSON.stringify({ scripts: pkgHead }) });
  return (await detect(c, doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }])).items;
}

describe('remediation PR limits per installation', () => {
  it('a new PR over prHourlyLimit is deferred; a breaking flush is exempt', async () => {
    const { db, deps, proposed, doc } = await setup(2);
    const pack = PackSchemaForTest({ prHourlyLimit: 2 });
    // A rename only (behavioral): limited.
    const renamed = (await items(doc, { 'release:prod': 'x', 'db:migrate': 'y' })).map((item) => ({ item, severity: 'high' as const, sources: [{ repo: 'acme/payments-api', number: 7, sha: 'a'.repeat(40) }], addedAt: NOW.toISOString() }));
    expect(renamed.map((p) => p.item.changeClass)).toEqual(['behavioral']);
    const out = await flushDrift(deps, { pack, docTarget: RUNBOOK, idempotencyKey: 'k1', reason: 'window_elapsed', items: renamed });
    expect(out.deferred).toHaveLength(1);
    expect(proposed.filter((p) => p.kind === 'pull_request.upsert')).toHaveLength(0);
    // The rename with a removed script (breaking, flagged for a person): exempt.
    const removed = (await items(doc, { 'release:prod': 'x' })).map((item) => ({ item, severity: 'critical' as const, sources: [], addedAt: NOW.toISOString() }));
    expect(removed.some((p) => p.item.changeClass === 'breaking')).toBe(true);
    const out2 = await flushDrift(deps, { pack, docTarget: RUNBOOK, idempotencyKey: 'k2', reason: 'breaking', items: removed });
    expect(out2.deferred).toHaveLength(0);
    expect(proposed.filter((p) => p.kind === 'pull_request.upsert')).toHaveLength(1);
    await db.destroy();
  });

  it('under the limits the PR is proposed, carrying the pack origin with its allowedOutputs', async () => {
    const { db, deps, proposed, doc } = await setup(1);
    const pack = PackSchemaForTest({ prHourlyLimit: 2 });
    const renamed = (await items(doc, { 'release:prod': 'x', 'db:migrate': 'y' })).map((item) => ({ item, severity: 'high' as const, sources: [], addedAt: NOW.toISOString() }));
    const out = await flushDrift(deps, { pack, docTarget: RUNBOOK, idempotencyKey: 'k1', reason: 'window_elapsed', items: renamed });
    expect(out.deferred).toHaveLength(0);
    const pr = proposed.find((p) => p.kind === 'pull_request.upsert')!;
    expect(pr.origin).toMatchObject({ packId: 'payments-docs', allowedOutputs: ['remediation_pr', 'digest_issue'] });
    expect((pr.payload as { branch: string }).branch).toBe('puddlejumper/drift/runbooks-payments-md');
    await db.destroy();
  });
});
