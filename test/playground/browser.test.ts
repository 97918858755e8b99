// The playground's pages in a real Chromium (playwright-core; the browser ships inside
// @sparticuz/chromium, nothing is downloaded): the overview after the story, the pull
// request with its checks rendered from the app's Markdown, its annotations, the
// conversation, and the remediation PR Track B opened. No script may run on the pages.
import { mkdirSync } from 'node:fs';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type Playground } from '../../src/playground/start.js';

const OUT = 'test-output/playground';
let pg: Playground;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  pg = await startPlayground({ port: 0, githubPort: 0, story: false, sandbox: false, out: () => {}, log: { info: () => {}, warn: (m) => problems.push(m) } });
  // The first two steps: the PR fails its contracts check, a stranger's /approve is refused.
  await pg.play(2);
  browser = await playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => problems.push(`console ${m.type()}: ${m.text()}`));
  page.on('dialog', (d) => problems.push(`dialog: ${d.message()}`));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

describe('the playground pages in Chromium', () => {
  it('the pull request shows the failing contracts check rendered as GitHub would, with its annotations', async () => {
    await page.goto(`${pg.githubUrl}/acme/payments-api/pull/1`);
    expect(await page.textContent('h1')).toContain('Refunds need a reason; receipts move to billing');
    const contracts = page.locator('.check[data-check="PuddleJumper / contracts"]');
    expect(await contracts.locator('.head .state').textContent()).toBe('failure');
    expect(await contracts.locator('.head').textContent()).toContain('Waiting for approval: Team Lead');
    // The summary's Markdown table is a table, with the rule ids as code.
    const rules = await contracts.locator('.markdown table td code').allTextContents();
    expect(rules).toEqual(expect.arrayContaining(['request-parameter-became-required', 'api-path-removed-without-deprecation']));
    // Each annotation shows the spec line it points at.
    const annotation = contracts.locator('.annotation', { hasText: 'request-parameter-became-required' });
    expect(await annotation.locator('pre').textContent()).toMatch(/^\d+\s+required: true$/);
    // No hidden marker leaks into the page.
    expect(await page.content()).not.toContain('puddlejumper:annotations');
    const approvals = page.locator('.check[data-check="PuddleJumper / approvals"]');
    expect(await approvals.locator('.head .state').textContent()).toBe('in_progress');
    expect(await approvals.locator('.markdown table').count()).toBe(1);
    // The stranger's /approve and the app's refusal, in order.
    expect(await page.locator('.comment').evaluateAll((els) => els.map((e) => e.getAttribute('data-author')))).toEqual(['sam', 'puddlejumper[bot]']);
    expect(await page.locator('.comment[data-author="puddlejumper[bot]"] .markdown').textContent()).toContain('Nothing was changed');
    await page.screenshot({ path: `${OUT}/pull-request.png`, fullPage: true });
  });

  it('the overview lists the PR, the story so far and the notifications', async () => {
    await page.goto(`${pg.githubUrl}/`);
    expect(await page.locator('tr[data-pr="acme/payments-api#1"]').textContent()).toContain('failure');
    expect(await page.locator('pre.story').textContent()).toContain('comments “/approve”');
    expect(await page.locator('tr[data-notification="slack"]').count()).toBeGreaterThan(0);
    await page.click('a[href="/acme/payments-api/pull/1"]');
    await page.waitForURL(`${pg.githubUrl}/acme/payments-api/pull/1`);
    await page.screenshot({ path: `${OUT}/overview.png`, fullPage: true });
  });

  it("the control plane signs in through the playground GitHub's OAuth flow and shows the pending chain", async () => {
    await page.goto(`${pg.appUrl}/admin/approvals`);
    await page.click('a.button:has-text("Sign in with GitHub")');
    await page.waitForSelector('h1:has-text("Approvals")');
    expect(await page.locator('h1').textContent()).toContain('Approvals (1 pending)');
    expect(await page.textContent('body')).toContain('acme-admin');
    expect(await page.textContent('tr[data-chain]')).toContain('acme/payments-api');
    await page.screenshot({ path: `${OUT}/control-plane.png`, fullPage: true });
    // The sign-in page itself is served with 401 (not signed in yet): the browser logs that, nothing else.
    const logged = problems.splice(0);
    expect(logged.every((p) => p.includes('status of 401'))).toBe(true);
  });

  it('after the rest of the story: green checks, and the remediation PR with the runbook patch', async () => {
    // The story goes on from where it stopped only by playing it anew; finish this PR by hand.
    pg.actors.comment('acme/payments-api', 1, 'lena', '/approve');
    await pg.settle();
    pg.actors.review('acme/payments-api', 1, 'dana', 'APPROVED', 'Approved.');
    await pg.settle();
    pg.actors.merge('acme/payments-api', 1, 'devon');
    await pg.settle();
    await page.goto(`${pg.githubUrl}/acme/payments-api/pull/1`);
    const state = (name: string) => page.locator(`.check[data-check="${name}"] .head .state`).textContent();
    expect([await state('PuddleJumper / contracts'), await state('PuddleJumper / approvals'), await state('PuddleJumper / drift')]).toEqual(['success', 'success', 'neutral']);
    expect(await page.locator('h1 + div .state').textContent()).toBe('merged');
    await page.goto(`${pg.githubUrl}/acme/docs/pull/1`);
    expect(await page.textContent('h1')).toContain('docs: fix 3 drift items in runbooks/payments.md');
    expect(await page.locator('pre.diff .add', { hasText: 'npm run db:migrate' }).count()).toBe(1);
    expect(await page.locator('details summary').first().textContent()).toBe('Patch');
    await page.screenshot({ path: `${OUT}/remediation.png`, fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);
});
