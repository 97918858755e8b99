// The Drift page and /api/v1/drift over Track B's store: the open accumulation windows with
// their items and patches, the remediation PRs, the digest with its issue — scoped to the
// reader's installations, escaped.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DriftItem } from '../../src/drift/item.js';
import { ActionStore } from '../../src/store/actions.js';
import { sqlDriftStore } from '../../src/store/drift.js';
import { ADMIN_TOKEN, Browser, XSS, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const DOC = { system: 'github', repo: 'Codertocat/docs', path: 'runbooks/payments.md', class: 'runbook' };
const PATCH = '--- runbooks/payments.md\n+++ runbooks/payments.md\n@@ -3 +3 @@\n-npm run deploy:legacy\n+npm run deploy\n';

function item(fingerprint: string, message: string, over: Partial<DriftItem> = {}): DriftItem {
  return {
    type: 'instruction',
    rule: 'instruction.script-renamed',
    message,
    subject: 'deploy:legacy',
    docTarget: DOC,
    section: 'Operations > Deploy',
    docLine: 3,
    evidence: [{ file: 'package.json', line: 5, side: 'head' }],
    fingerprint,
    changeClass: 'behavioral',
    confidence: 0.9,
    patch: { docHash: 'h', edits: [{ start: 10, end: 30, replacement: 'npm run deploy' }], diff: PATCH },
    ...over,
  };
}

async function seedDrift(h: Harness, now: Date): Promise<void> {
  const store = sqlDriftStore(h.db);
  const opened = new Date(now.getTime() - 2 * 86400_000);
  const due = new Date(now.getTime() + 5 * 86400_000);
  const src = { repo: 'Codertocat/Hello-World', number: 12, sha: '1'.repeat(40) };
  await store.saveWindow(
    {
      installationId: 1,
      owner: 'Codertocat',
      state: { packId: 'payments', docKey: 'github:Codertocat/docs:runbooks/payments.md', openedAt: opened.toISOString(), dueAt: due.toISOString(), items: [{ item: item('fp-window', `The runbook still says ${XSS}`), severity: 'medium', sources: [src], addedAt: opened.toISOString() }] },
    },
    0,
    now,
  );
  // A window that flushed and closed: not shown.
  await store.saveWindow({ installationId: 1, owner: 'Codertocat', state: { packId: 'payments', docKey: 'github:Codertocat/docs:README.md', openedAt: null, dueAt: null, items: [] } }, 0, now);
  await store.saveWindow(
    { installationId: 2, owner: 'other-org', state: { packId: 'secret-pack', docKey: 'github:other-org/docs:secret.md', openedAt: opened.toISOString(), dueAt: due.toISOString(), items: [{ item: item('fp-other', 'other-org-drift'), severity: 'high', sources: [], addedAt: opened.toISOString() }] } },
    0,
    now,
  );
  const r = await store.openRemediation({ installationId: 1, packId: 'payments', docKey: 'github:Codertocat/docs:runbooks/payments.md', system: 'github', repo: 'Codertocat/docs', branch: 'puddlejumper/drift/payments-runbook', openedAt: now.toISOString() }, now);
  await store.updateRemediation(r.id, { prNumber: 41 }, now);
  const merged = await store.openRemediation({ installationId: 1, packId: 'payments', docKey: 'github:Codertocat/docs:README.md', system: 'github', repo: 'Codertocat/docs', branch: 'puddlejumper/drift/readme', openedAt: opened.toISOString() }, now);
  await store.updateRemediation(merged.id, { prNumber: 40, status: 'merged' }, now);
  await store.putItems(1, 'payments', 'github:Codertocat/docs:runbooks/payments.md', [{ entry: { item: item('fp-remediation', 'in the PR'), severity: 'high', sources: [src] }, status: 'remediation', sourceRepo: 'Codertocat/Hello-World', branch: 'puddlejumper/drift/payments-runbook' }], now);
  await store.putItems(
    1,
    'payments',
    'github:Codertocat/docs:runbooks/payments.md',
    [
      { entry: { item: item('fp-digest', 'A cosmetic rename is in the digest', { changeClass: 'cosmetic', patch: null }), severity: 'low', sources: [src] }, status: 'digest', sourceRepo: 'Codertocat/Hello-World' },
      { entry: { item: item('fp-closed', 'Left with its closed PR'), severity: 'low', sources: [src] }, status: 'ignored', sourceRepo: 'Codertocat/Hello-World' },
    ],
    now,
  );
  await store.putItems(2, 'secret-pack', 'github:other-org/docs:secret.md', [{ entry: { item: item('fp-other-digest', 'other-org-digest'), severity: 'low', sources: [] }, status: 'digest', sourceRepo: 'other-org/secret' }], now);
  const actions = new ActionStore(h.db);
  const issue = await actions.insert({ installationId: 1, kind: 'issue.upsert', idempotencyKey: 'drift-digest:Codertocat/Hello-World:payments', subject: { repo: 'Codertocat/Hello-World' } }, 1, JSON.stringify({ repo: 'Codertocat/Hello-World', title: 'PuddleJumper: documentation drift', body: 'b', marker: 'm' }), 'hash-digest', now.toISOString());
  await actions.transition(issue.id, 'proposed', 'dispatched', { result: JSON.stringify({ issueNumber: 77, created: true }), dispatched_at: now.toISOString() }, now.toISOString());
}

describe('the Drift page', () => {
  beforeEach(async () => {
    h = await startHarness();
    await seedDrift(h, new Date());
  });

  it('shows the open windows with their items and patches, the open remediation PRs and the digest with its issue; escaped; only the reader’s installations', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const { status, text } = await b.page('/admin/drift');
    expect(status).toBe(200);
    // The window: its doc, when it flushes, its item with the patch and the PR it came from.
    expect(text).toContain('Accumulating windows <span class="muted">(1 open, 1 item waiting)');
    expect(text).toContain('data-window="1:payments:github:Codertocat/docs:runbooks/payments.md"');
    expect(text).toMatch(/flushes in 4 d 23 h|flushes in 5 d 0 h/);
    expect(text).toContain('The runbook still says &lt;img src=x onerror=alert(1)&gt;');
    expect(text).not.toContain(XSS);
    expect(text).toContain('-npm run deploy:legacy\n+npm run deploy');
    expect(text).toContain(`${h.fake.url}/Codertocat/Hello-World/pull/12`);
    expect(text).not.toContain('README.md</code>'); // the closed window
    // The open remediation PR (the merged one only with remediations=all).
    expect(text).toMatch(/<tr data-remediation="\d+">[^]*Codertocat\/docs#41[^]*badge r-open[^]*<td class="num">1<\/td>/);
    expect(text).not.toContain('Codertocat/docs#40');
    // The digest of Hello-World's payments pack, with its issue.
    expect(text).toContain('data-digest="1:Codertocat/Hello-World:payments"');
    expect(text).toContain('1 item in the digest');
    expect(text).toContain(`${h.fake.url}/Codertocat/Hello-World/issues/77`);
    expect(text).toContain('A cosmetic rename is in the digest');
    expect(text).toContain('Left with its closed PR');
    expect(text).toContain('(its PR was closed)');
    // Another installation's drift never shows.
    expect(text).not.toContain('other-org');

    const all = await b.page('/admin/drift?remediations=all');
    expect(all.text).toContain('Codertocat/docs#40');
    expect(all.text).toContain('badge r-merged');
    const filtered = await b.page('/admin/drift?pack=nope');
    expect(filtered.text).toContain('No window is open');
    expect(filtered.text).toContain('The digest is empty');
  });

  it('a long digest lists its newest items and says how many there are', async () => {
    const store = sqlDriftStore(h.db);
    const rows = Array.from({ length: 12 }, (_, i) => ({ entry: { item: item(`fp-long-${i}`, `long digest item ${i}`, { patch: null }), severity: 'low' as const, sources: [] }, status: 'digest' as const, sourceRepo: 'Codertocat/Hello-World' }));
    for (const r of rows) await store.putItems(1, 'long-pack', 'github:Codertocat/docs:long.md', [r], new Date(Date.now() + rows.indexOf(r) * 1000));
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const { text } = await b.page('/admin/drift?pack=long-pack');
    expect(text).toContain('12 items in the digest');
    expect(text).toContain('the newest 10 of 12 shown');
    expect(text).toContain('long digest item 11');
    expect(text).not.toContain('long digest item 1<');
    expect(text).not.toContain('pack payments'); // the filter
  });

  it('/api/v1/drift: the same data as JSON; the admin token sees every installation, ?installation narrows it', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const every = (await (await fetch(`${h.url}/api/v1/drift`, { headers: auth })).json()) as Record<string, any>;
    expect(every.windows.map((w: { packId: string }) => w.packId).sort()).toEqual(['payments', 'secret-pack']);
    const one = (await (await fetch(`${h.url}/api/v1/drift?installation=1`, { headers: auth })).json()) as Record<string, any>;
    expect(one.windows).toHaveLength(1);
    expect(one.windows[0].items[0]).toMatchObject({ fingerprint: 'fp-window', severity: 'medium', sources: [{ repo: 'Codertocat/Hello-World', number: 12 }], patch: PATCH });
    expect(one.remediations).toEqual([expect.objectContaining({ repo: 'Codertocat/docs', prNumber: 41, status: 'open', items: 1 })]);
    expect(one.digests).toEqual([expect.objectContaining({ repo: 'Codertocat/Hello-World', packId: 'payments', issue: expect.objectContaining({ issueNumber: 77, status: 'dispatched', closed: false }) })]);
    expect(one.digests[0].items.map((i: { fingerprint: string; status: string }) => `${i.fingerprint}:${i.status}`).sort()).toEqual(['fp-closed:ignored', 'fp-digest:digest']);

    const b = new Browser(h.url);
    await b.signIn(h.fake, 'mallory');
    const theirs = (await (await b.request('/api/v1/drift')).json()) as Record<string, any>;
    expect(JSON.stringify(theirs)).not.toContain('Codertocat');
    expect(theirs.digests.map((d: { repo: string }) => d.repo)).toEqual(['other-org/secret']);
  });
});
