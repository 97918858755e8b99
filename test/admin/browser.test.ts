// The control plane in a real Chromium (playwright-core; the browser ships inside
// @sparticuz/chromium, nothing is downloaded): sign in against the fake GitHub on 127.0.0.1,
// approve a step and see the check run updated, retry a failed dispatch, filter the audit
// log, read the packs, run a pack test. A screenshot of each page goes to test-output/.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import chromium from '@sparticuz/chromium';
import nock from 'nock';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, mockConfigRepo } from '../helpers/app.js';
import { sqlDriftStore } from '../../src/store/drift.js';
import type { DriftItem } from '../../src/drift/item.js';
import { XSS, startHarness, type Harness } from './harness.js';

const OUT = 'test-output/admin';
const CONFIG_SHA = 'f'.repeat(40);
const PACK = `id: payments
name: Payments
status: active
scope: { type: repo, ref: Codertocat/Hello-World }
trackA:
  comparators:
    - { type: changelog.updated, severity: high, config: { file: CHANGELOG.md } }
  enforcement: { mode: block }
approvalTiers:
  lead: { name: Team Lead, users: [alice], requiredFor: [high, critical] }
`;
const BROKEN = `id: broken
name: Broken
status: active
scope: { type: workspace }
trackA:
  comparators:
    - { type: openapi.diff, severty: high }
`;

let h: Harness;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
const token = (gh: nock.Scope) => gh.post('/app/installations/1/access_tokens').optionally().reply(201, { token: 'inst-token', expires_at: new Date(Date.now() + 3600_000).toISOString() });

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  h = await startHarness();
  browser = await playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args.filter((a) => a !== '--single-process'), headless: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // The page must never run a script: the CSP forbids them, and any would show up here.
  page.on('dialog', (d) => {
    throw new Error(`a dialog opened: ${d.message()}`);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

describe('the control plane in Chromium', () => {
  it('signs in with GitHub and shows the approval queue', async () => {
    await page.goto(`${h.url}/admin/approvals`);
    await shot('01-sign-in');
    expect(await page.textContent('h1')).toBe('PuddleJumper control plane');
    h.fake.signInAs('alice');
    await page.click('a.button:has-text("Sign in with GitHub")');
    await page.waitForSelector('h1:has-text("Approvals")');
    await page.waitForURL(`${h.url}/admin/approvals`);
    expect(await page.locator('h1').textContent()).toContain('Approvals (1 pending)');
    expect(await page.locator('tr[data-chain]').count()).toBe(1);
    expect(await page.textContent('tr[data-chain]')).toContain('step 1 of 2: Team Lead (any of @alice)');
    await shot('02-approvals');
  }, 60_000);

  it('approves the Team Lead step and the approvals check run is updated on GitHub', async () => {
    const bodies: Array<Record<string, any>> = [];
    const gh = nock(API);
    token(gh);
    gh.patch('/repos/Codertocat/Hello-World/check-runs/555').reply(200, (_u, body) => {
      bodies.push(body as Record<string, any>);
      return { id: 555 };
    });
    await page.click('button:has-text("Approve Team Lead")');
    await page.waitForSelector('.flash.ok');
    expect(await page.textContent('.flash')).toContain('Approved Team Lead as @alice');
    expect(await page.textContent('tr[data-chain]')).toContain('step 2 of 2: Director');
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ name: 'PuddleJumper / approvals', status: 'in_progress' });
    await shot('03-approved');
    await page.click('tr[data-chain] a[href^="/admin/chains/"]');
    expect(await page.textContent('tr[data-step="0.lead"]')).toContain('@alice');
    await shot('04-chain');
  }, 60_000);

  it('retries a failed dispatch', async () => {
    const gh = nock(API);
    token(gh);
    gh.post('/repos/Codertocat/Hello-World/check-runs').reply(201, { id: 778 });
    await page.goto(`${h.url}/admin/dispatches`);
    const row = page.locator(`tr[data-action="${h.seeded.failedActionId}"]`);
    expect(await row.textContent()).toContain(XSS); // shown as text
    await shot('05-dispatches');
    await row.locator('button:has-text("Retry now")').click();
    await page.waitForSelector('.flash');
    expect(await page.textContent('.flash')).toContain('retried: it is dispatched');
    expect(await page.locator(`tr[data-action="${h.seeded.failedActionId}"] .badge`).first().textContent()).toBe('dispatched');
    await shot('06-retried');
  }, 60_000);

  it('a form posted from another site changes nothing (CSRF)', async () => {
    // Another origin on 127.0.0.1 (same site for the cookie: SameSite=Lax still sends it on a top-level POST).
    const evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<form method="post" action="${h.url}/admin/dispatches/${h.seeded.pendingActionId}/retry"><input type="hidden" name="csrf" value="guessed"><button type="submit">Win a prize</button></form>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const before = await h.db.selectFrom('actions').select(['status', 'attempts']).where('id', '=', h.seeded.pendingActionId).executeTakeFirstOrThrow();
      const events = await h.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      const [response] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Win a prize")')]);
      expect(response?.status()).toBe(403);
      expect(await page.textContent('main')).toMatch(/Cross-site request refused|CSRF/);
      await shot('12-csrf-refused');
      expect(await h.db.selectFrom('actions').select(['status', 'attempts']).where('id', '=', h.seeded.pendingActionId).executeTakeFirstOrThrow()).toEqual(before);
      expect(await h.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual(events);
    } finally {
      await new Promise<void>((r) => evil.close(() => r()));
    }
  }, 60_000);

  it('cancels a pending dispatch', async () => {
    await page.goto(`${h.url}/admin/dispatches`);
    const row = page.locator(`tr[data-action="${h.seeded.pendingActionId}"]`);
    expect(await row.locator('.badge').first().textContent()).toBe('approved');
    await row.locator('button:has-text("Cancel")').click();
    await page.waitForSelector('.flash');
    expect(await page.textContent('.flash')).toContain(`Action ${h.seeded.pendingActionId} cancelled`);
    expect(await page.locator(`tr[data-action="${h.seeded.pendingActionId}"] .badge`).first().textContent()).toBe('cancelled');
    const audited = await h.db.selectFrom('audit_events').select(['actor', 'type']).where('type', '=', 'action.cancelled').execute();
    expect(audited).toEqual([expect.objectContaining({ actor: 'user:alice' })]);
    await shot('06b-cancelled');
  }, 60_000);

  it('markup in an audit detail is shown as text, never run', async () => {
    await page.goto(`${h.url}/admin/audit`);
    expect(await page.textContent('main')).toContain(XSS);
    // The <img> would be an element if it were not escaped (the dialog handler above would also throw).
    expect(await page.locator('main img').count()).toBe(0);
  }, 60_000);

  it('filters the audit log and verifies the chain on demand', async () => {
    await page.goto(`${h.url}/admin/audit`);
    await page.selectOption('select[name="type"]', 'approval.step_approved');
    await page.click('button:has-text("Filter")');
    await page.waitForURL(/type=approval.step_approved/);
    const rows = await page.locator('tr[data-event]').allTextContents();
    expect(rows.length).toBe(1);
    expect(rows[0]).toContain('user:alice');
    await page.click('text=Verify the hash chain now');
    expect(await page.textContent("#verified")).toMatch(/chain verified up to your event \d+/);
    await shot('07-audit');
  }, 60_000);

  it('shows the packs with their version hash, an invalid one with its error, and the dashboard', async () => {
    const gh = nock(API);
    token(gh);
    mockConfigRepo(gh, 'Codertocat', CONFIG_SHA, { 'policy-packs/payments.yml': PACK, 'policy-packs/broken.yml': BROKEN });
    await page.goto(`${h.url}/admin/packs`);
    const text = await page.textContent('main');
    expect(text).toContain(CONFIG_SHA);
    expect(text).toContain('payments');
    expect(text).toContain('invalid');
    expect(text).toContain('policy-packs/broken.yml:7');
    await shot('08-packs');
    await page.goto(`${h.url}/admin`);
    expect(await page.textContent('#pending .value')).toBe('1');
    await shot('09-dashboard');
  }, 60_000);

  it('runs a pack test', async () => {
    const gh = nock(API);
    token(gh);
    gh.get('/repos/Codertocat/.github/commits/HEAD').reply(304);
    gh.get('/repos/Codertocat/Hello-World/pulls').query(true).reply(200, [
      { number: 7, title: XSS, state: 'open', merged_at: null, base: { sha: '1'.repeat(40), ref: 'main' }, head: { sha: '7'.repeat(40) }, user: { login: 'Codertocat', type: 'User' }, labels: [], changed_files: 1 },
    ]);
    gh.get('/repos/Codertocat/Hello-World/pulls/7/files').query(true).reply(200, [{ filename: 'src/app.ts', status: 'modified', sha: 'e'.repeat(40) }]);
    await page.goto(`${h.url}/admin/test-run`);
    await page.fill('input[name="pack"]', 'payments');
    await page.fill('input[name="repo"]', 'Codertocat/Hello-World');
    await page.fill('input[name="last"]', '1');
    await shot('10-test-run-form');
    await page.click('button:has-text("Run")');
    await page.waitForURL(/\/admin\/test-runs\//);
    const row = await page.textContent('tr[data-pr="7"]');
    expect(row).toContain(XSS);
    expect(row).toContain('would block');
    expect(row).toContain('Team Lead (@alice)');
    await shot('11-test-run-result');
  }, 60_000);

  it('shows the drift windows, remediation PRs and the digest', async () => {
    const now = new Date();
    const store = sqlDriftStore(h.db);
    const patch = '--- runbooks/payments.md\n+++ runbooks/payments.md\n@@ -3 +3 @@\n-npm run deploy:legacy\n+npm run deploy\n';
    const item = { type: 'instruction', rule: 'instruction.script-renamed', message: 'The runbook runs npm run deploy:legacy, which the change renamed', subject: 'deploy:legacy', docTarget: { system: 'github', repo: 'Codertocat/docs', path: 'runbooks/payments.md', class: 'runbook' }, section: 'Operations > Deploy', docLine: 3, evidence: [], fingerprint: 'fp-browser', changeClass: 'behavioral', confidence: 0.9, patch: { docHash: 'h', edits: [], diff: patch } } satisfies DriftItem;
    await store.saveWindow({ installationId: 1, owner: 'Codertocat', state: { packId: 'payments', docKey: 'github:Codertocat/docs:runbooks/payments.md', openedAt: now.toISOString(), dueAt: new Date(now.getTime() + 7 * 86400_000).toISOString(), items: [{ item, severity: 'medium', sources: [{ repo: 'Codertocat/Hello-World', number: 12, sha: '1'.repeat(40) }], addedAt: now.toISOString() }] } }, 0, now);
    const r = await store.openRemediation({ installationId: 1, packId: 'payments', docKey: 'github:Codertocat/docs:README.md', system: 'github', repo: 'Codertocat/docs', branch: 'puddlejumper/drift/readme', openedAt: now.toISOString() }, now);
    await store.updateRemediation(r.id, { prNumber: 41 }, now);
    await store.putItems(1, 'payments', 'github:Codertocat/docs:README.md', [{ entry: { item: { ...item, fingerprint: 'fp-digest', changeClass: 'cosmetic', message: 'A cosmetic rename waits in the digest', patch: null }, severity: 'low', sources: [] }, status: 'digest', sourceRepo: 'Codertocat/Hello-World' }], now);
    await page.goto(`${h.url}/admin`);
    await page.click('nav a:has-text("Drift")');
    await page.waitForURL(`${h.url}/admin/drift`);
    expect(await page.textContent('#windows')).toContain('1 open, 1 item waiting');
    const win = page.locator('section.window');
    expect(await win.textContent()).toMatch(/flushes in (7 d|6 d 23 h)/);
    await win.locator('summary:has-text("diff")').click();
    expect(await win.locator('pre').textContent()).toContain('+npm run deploy');
    expect(await page.textContent('tr[data-remediation]')).toContain('Codertocat/docs#41');
    expect(await page.textContent('section.digest')).toContain('A cosmetic rename waits in the digest');
    await shot('14-drift');
  }, 60_000);

  it("a user of another installation never sees this one's data", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const other = await context.newPage();
    try {
      h.fake.signInAs('mallory');
      await other.goto(`${h.url}/admin/login?next=/admin/approvals`);
      await other.waitForSelector('h1:has-text("Approvals")');
      const rows = await other.locator('tr[data-chain]').allTextContents();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain('other-org/secret');
      await other.screenshot({ path: `${OUT}/13-other-installation.png`, fullPage: true });
      const chain = await other.goto(`${h.url}/admin/chains/${h.seeded.chainId}`);
      expect(chain?.status()).toBe(404);
      await other.goto(`${h.url}/admin/dispatches`);
      expect(await other.textContent('main')).not.toContain('Codertocat/Hello-World');
      expect(await other.locator(`tr[data-action="${h.seeded.failedActionId}"]`).count()).toBe(0);
      await other.goto(`${h.url}/admin/audit`);
      const audit = await other.textContent('main');
      expect(audit).toContain('other-org-only');
      expect(audit).not.toContain('Codertocat/Hello-World');
      const api = await other.goto(`${h.url}/api/v1/chains/${h.seeded.chainId}`);
      expect(api?.status()).toBe(404);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('signs out', async () => {
    await page.click('button:has-text("Sign out")');
    await page.waitForURL(`${h.url}/admin/signed-out`);
    await page.goto(`${h.url}/admin/approvals`);
    expect(await page.textContent('main')).toContain('Sign in with GitHub');
  }, 60_000);
});

describe('the control plane in Chromium without sign-in configured', () => {
  it('says how to configure sign-in and shows nothing else', async () => {
    const closed = await startHarness({ PJ_SESSION_SECRET: '', GITHUB_CLIENT_SECRET: '' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await context.newPage();
    try {
      for (const path of ['/admin', '/admin/approvals', `/admin/chains/${closed.seeded.chainId}`, '/admin/dispatches', '/admin/audit', '/admin/drift']) {
        const res = await p.goto(`${closed.url}${path}`);
        expect(res?.status(), path).toBe(503);
        const text = await p.textContent('main');
        expect(text).toContain('Sign-in is not configured');
        expect(text).toContain('PJ_SESSION_SECRET');
        expect(text).not.toContain('Codertocat/Hello-World');
      }
      await p.screenshot({ path: `${OUT}/00-not-configured.png`, fullPage: true });
      const api = await p.goto(`${closed.url}/api/v1/chains`);
      expect(api?.status()).toBe(401);
    } finally {
      await context.close();
      await closed.stop();
    }
  }, 60_000);
});
