// Track B with a Confluence primary doc, against a fake Confluence Cloud (REST v2) on
// 127.0.0.1: the page body (storage format) is read with its version, the detectors see its
// Markdown view, the rename is written back into the storage body with version + 1, a 409
// (someone saved the page meanwhile) is re-read and the edit re-applied; an edit that would
// change the page's structure (a new table row) is left to a person, in the digest.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { puddleJumperApp } from '../../src/app.js';
import { loadSettings } from '../../src/config.js';
import { wire, type Wiring } from '../../src/routes.js';
import { contentCache } from '../../src/change/blob-cache.js';
import type { Db } from '../../src/store/database.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { TestOctokit } from '../helpers/server.js';
import { FakeGitHub } from '../helpers/fake-github.js';

const PAGE = [
  '<h1>Payments service runbook</h1>',
  '<h2>Configuration</h2>',
  '<table><tbody><tr><th>Variable</th><th>Default</th><th>Meaning</th></tr><tr><td><code>PAYMENTS_DB_URL</code></td><td>none</td><td>Postgres connection string</td></tr></tbody></table>',
  '<h2>Deployment Steps</h2>',
  '<ol><li><p>Deploy to production with <code>npm run deploy:prod</code> and watch the dashboards.</p></li></ol>',
  '<h2>Notes</h2><p>Ask the on-call first.</p>',
].join('');

const PACK = `id: payments-wiki
name: Payments wiki
scope: { type: repo, ref: acme/payments-api }
trackB:
  primaryDoc: { system: confluence, id: "98765", class: runbook }
  driftTypes:
    - { type: instruction, sectionTarget: Deployment Steps }
    - { type: env_var, config: { prefixes: [PAYMENTS_] } }
  materiality: { autoApprove: 0.7, notify: 0.4, digestOnly: 0.3, ignore: 0.2 }
`;
const PKG = (script: string) => JSON.stringify({ name: 'payments-api', scripts: { [script]: 'node scripts/deploy.js' } }, null, 2);
const CONFIG = 'export const db = process.env.PAYMENTS_DB_URL;\n';

interface FakeConfluence {
  url: string;
  server: Server;
  page: { version: number; body: string; title: string };
  puts: Array<{ version: number; status: number }>;
  /** Called before a PUT is answered: a concurrent save (returns true to answer 409). */
  beforePut?: () => boolean;
  auth: string[];
}

async function fakeConfluence(): Promise<FakeConfluence> {
  const fake = { page: { version: 5, body: PAGE, title: 'Payments runbook' }, puts: [], auth: [] } as unknown as FakeConfluence;
  fake.server = createServer((req, res) => {
    fake.auth.push(String(req.headers.authorization));
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (!req.url?.startsWith('/wiki/api/v2/pages/98765')) return json(404, { message: 'no such page' });
      if (req.method === 'GET') return json(200, { id: '98765', title: fake.page.title, version: { number: fake.page.version }, body: { storage: { value: fake.page.body, representation: 'storage' } } });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (fake.beforePut?.() || body.version.number !== fake.page.version + 1) {
        fake.puts.push({ version: body.version.number, status: 409 });
        return json(409, { message: 'Version must be incremented on update. Current Version is: ' + fake.page.version });
      }
      fake.page = { version: body.version.number, body: body.body.value, title: body.title };
      fake.puts.push({ version: body.version.number, status: 200 });
      return json(200, { id: '98765', version: { number: fake.page.version } });
    });
  });
  await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}

describe('Track B end to end: a Confluence runbook', () => {
  let db: Db;
  let services: Wiring;
  let gh: FakeGitHub;
  let wiki: FakeConfluence;
  let receive: (payload: Record<string, unknown>) => Promise<void>;
  let receiveEvent: (name: string, payload: Record<string, unknown>) => Promise<void>;

  beforeEach(async () => {
    contentCache.clear();
    wiki = await fakeConfluence();
    db = await openMemoryDatabase();
    const probot = new Probot({ githubToken: 'test', Octokit: TestOctokit, log: pino({ level: 'silent' }) });
    const settings = loadSettings({ CONFLUENCE_BASE_URL: wiki.url, CONFLUENCE_EMAIL: 'pj@acme.test', CONFLUENCE_API_TOKEN: 'token-1' });
    await probot.load(
      puddleJumperApp({ db, routes: (app) => (services = wire({ app, db, settings, appSlug: async () => 'puddlejumper' })).routes, dispatch: (id) => services.dispatch(id), work: 'inline' }),
      { cwd: process.cwd(), addHandler: () => {} },
    );
    gh = new FakeGitHub();
    gh.packs = { 'policy-packs/wiki.yml': PACK };
    receive = (payload) => probot.receive({ id: `d-${Math.random()}`, name: 'pull_request', payload } as never);
    receiveEvent = (name, payload) => probot.receive({ id: `d-${Math.random()}`, name, payload } as never);
  });
  afterEach(async () => {
    await db.destroy();
    await new Promise((r) => wiki.server.close(r));
  });

  function merged(number: number) {
    const { baseSha, headSha } = gh.sourcePull('acme/payments-api', number, { 'package.json': PKG('deploy:prod'), 'src/config.ts': CONFIG }, { 'package.json': PKG('release:prod'), 'src/config.ts': `${CONFIG}export const t = process.env.PAYMENTS_TIMEOUT_MS;\n` });
    return {
      action: 'closed',
      number,
      installation: { id: 1 },
      repository: { id: 1, name: 'payments-api', full_name: 'acme/payments-api', owner: { login: 'acme' }, default_branch: 'main' },
      sender: { login: 'dev', type: 'User' },
      pull_request: { number, state: 'closed', merged: true, merge_commit_sha: `m${number}`.padEnd(40, '0'), base: { sha: baseSha, ref: 'main' }, head: { sha: headSha, ref: 'f' }, user: { login: 'dev', type: 'User' }, labels: [], changed_files: 2 },
    };
  }

  it('the rename is written into the page with version + 1 after a 409 (re-read, re-applied); the new table row is left to a person in the digest', async () => {
    // Someone saves the page (another paragraph) just before our first update.
    let raced = false;
    wiki.beforePut = () => {
      if (raced) return false;
      raced = true;
      wiki.page = { ...wiki.page, version: 6, body: wiki.page.body.replace('Ask the on-call first.', 'Ask the on-call first, always.') };
      return true;
    };
    await receive(merged(7));
    expect(wiki.puts).toEqual([
      { version: 6, status: 409 },
      { version: 7, status: 200 },
    ]);
    expect(wiki.page.body).toContain('<code>npm run release:prod</code>');
    expect(wiki.page.body).toContain('Ask the on-call first, always.');
    expect(wiki.page.body).not.toContain('deploy:prod');
    expect(wiki.auth[0]).toBe(`Basic ${Buffer.from('pj@acme.test:token-1').toString('base64')}`);
    const digest = gh.repo('acme/payments-api').issues;
    expect(digest).toHaveLength(1);
    expect(digest[0]!.body).toContain('**PAYMENTS_TIMEOUT_MS**');
    expect(digest[0]!.body).toContain('confluence');
  });

  it('a page changed where the edit goes gives up with a clear reason (never overwritten)', async () => {
    wiki.beforePut = () => {
      wiki.page = { ...wiki.page, version: wiki.page.version + 1, body: wiki.page.body.replace('Deploy to production with', 'Ship with') };
      return true;
    };
    await receive(merged(8));
    expect(wiki.puts).toEqual([{ version: 6, status: 409 }]);
    expect(wiki.page.body).toContain('npm run deploy:prod');
    const failed = await db.selectFrom('actions').select(['status', 'reason']).where('kind', '=', 'confluence.page_update').executeTakeFirstOrThrow();
    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(/Confluence page 98765 changed since the drift patch was made \(version 5 -> 6\)/);
  });

  it('in the notify band the update waits for the tier: a proposal issue, /approve by a non-member changes nothing, /approve by lena writes the page', async () => {
    gh.packs = { 'policy-packs/wiki.yml': `${PACK.replace('autoApprove: 0.7', 'autoApprove: 0.98')}approvalTiers:\n  lead: { name: Team Lead, users: [lena], requiredFor: [high, critical] }\n` };
    await receive(merged(9));
    // The rename (a runbook, high) is proposed, not written.
    expect(wiki.puts).toEqual([]);
    const proposal = gh.repo('acme/payments-api').issues.find((i) => i.title.startsWith('PuddleJumper: approve the update'))!;
    expect(proposal.title).toBe('PuddleJumper: approve the update of Confluence page "Payments runbook"');
    expect(proposal.body).toContain('It waits for approval by: Team Lead (severity high)');
    expect(proposal.body).toContain('`instruction.script-renamed` deploy:prod — from acme/payments-api#9');
    const comment = (login: string, id: number, body: string) => ({
      action: 'created',
      installation: { id: 1 },
      repository: { id: 1, name: 'payments-api', full_name: 'acme/payments-api', owner: { login: 'acme' }, default_branch: 'main' },
      issue: { number: proposal.number, user: { login: 'puddlejumper[bot]', type: 'Bot' } },
      comment: { id, body, user: { login, type: 'User' }, created_at: new Date().toISOString() },
      sender: { login, type: 'User' },
    });
    await receiveEvent('issue_comment', comment('dev', 901, '/approve'));
    expect(wiki.puts).toEqual([]);
    await receiveEvent('issue_comment', comment('lena', 902, '/approve'));
    expect(wiki.puts).toEqual([{ version: 6, status: 200 }]);
    expect(wiki.page.body).toContain('<code>npm run release:prod</code>');
    expect(proposal.state).toBe('closed');
    expect(proposal.body).toContain('Approved by @lena (Team Lead): the Confluence update is released.');
  });
});
