// The whole app on a Probot instance, fed real payloads through probot.receive(),
// with GitHub mocked by nock. Signatures are tested over HTTP elsewhere.
import { Buffer } from 'node:buffer';
import nock from 'nock';
import pino from 'pino';
import { Probot } from 'probot';
import { puddleJumperApp } from '../../src/app.js';
import { loadSettings } from '../../src/config.js';
import { wire, type Wiring } from '../../src/routes.js';
import { openMemoryDatabase } from './memory-db.js';
import type { Db } from '../../src/store/database.js';
import { contentCache } from '../../src/change/blob-cache.js';
import { TestOctokit } from './server.js';

export const API = 'https://api.github.com';

export interface TestApp {
  probot: Probot;
  db: Db;
  /** The composition root's parts (outbox, audit log, pack source). */
  services: Wiring;
  receive: (name: string, payload: Record<string, any>) => Promise<void>;
}

/** `env`: settings as the environment would give them (e.g. `{ PJ_REQUIRE_CONFIG: '1' }`). */
export async function createTestApp(options: { env?: Record<string, string> } = {}): Promise<TestApp> {
  contentCache.clear();
  const db = await openMemoryDatabase();
  const probot = new Probot({ githubToken: 'test', Octokit: TestOctokit, log: pino({ level: 'silent' }) });
  let services: Wiring | undefined;
  await probot.load(
    puddleJumperApp({
      db,
      routes: (app) => {
        services = wire({ app, db, settings: loadSettings(options.env ?? {}), appSlug: async () => 'puddlejumper' });
        return services.routes;
      },
      dispatch: (installationId) => services!.dispatch(installationId),
      // The work runs before probot.receive resolves, so tests assert right after it.
      work: 'inline',
    }),
    { cwd: process.cwd(), addHandler: () => {} },
  );
  let delivery = 0;
  return {
    probot,
    db,
    services: services!,
    receive: (name, payload) => probot.receive({ id: `delivery-${++delivery}`, name, payload } as never),
  };
}

/** Records every request a scope answers, as "METHOD path". */
export function recordCalls(scope: nock.Scope): string[] {
  const calls: string[] = [];
  scope.on('request', (req: { method: string; path: string }) => calls.push(`${req.method} ${req.path.split('?')[0]}`));
  return calls;
}

/** The config repo `owner/.github` at `sha` with the given pack files (first load: head, tree, blobs). */
export function mockConfigRepo(scope: nock.Scope, owner: string, sha: string, files: Record<string, string>): void {
  const entries = Object.entries(files).map(([path, text], i) => ({ path, text, blob: `${String(i + 1).padStart(2, '0')}`.padEnd(40, 'b') }));
  scope
    .get(`/repos/${owner}/.github/commits/HEAD`)
    .reply(200, sha, { etag: `"${sha}"`, 'content-type': 'application/vnd.github.sha' })
    .get(`/repos/${owner}/.github/git/trees/${sha}`)
    .query({ recursive: '1' })
    .reply(200, {
      sha,
      truncated: false,
      tree: [{ path: 'policy-packs', type: 'tree', sha: 't'.repeat(40) }, ...entries.map((e) => ({ path: e.path, type: 'blob', sha: e.blob, size: e.text.length }))],
    });
  for (const e of entries) {
    scope.get(`/repos/${owner}/.github/git/blobs/${e.blob}`).reply(200, { content: Buffer.from(e.text).toString('base64'), encoding: 'base64' });
  }
}

/** The config repo head did not move: a conditional request answered 304 (free against the rate limit). */
export function mockConfigUnchanged(scope: nock.Scope, owner: string, sha: string): void {
  scope.get(`/repos/${owner}/.github/commits/HEAD`).matchHeader('if-none-match', `"${sha}"`).reply(304);
}
