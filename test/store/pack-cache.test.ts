// The pack cache shared by replicas (store/pack-cache.ts behind github/pack-source.ts), on
// the project's database (SQLite, or Postgres in the postgres project). Two PackSources
// with their own connections to one database stand for two replicas: what one read from
// GitHub the other takes from the database. nock fails the test on any request it did not
// expect, so "only the head request" is checked by the mocks themselves.
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { describe, expect, it } from 'vitest';
import { PackSource } from '../../src/github/pack-source.js';
import type { OctokitLike } from '../../src/github/octokit.js';
import { prunePackCache, sqlPackCache } from '../../src/store/pack-cache.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { PackSet } from '../../src/packs/types.js';
import { freshDatabaseUrl, openTestDatabase } from '../helpers/test-db.js';
import { createTestApp } from '../helpers/app.js';
import { known } from '../packs/known.js';

const API = 'https://api.github.com';
const HEAD = 'a'.repeat(40);
const NEXT = 'b'.repeat(40);
const DEMO = 'id: demo\nname: Demo\nscope: { type: workspace }\n';
const MORE = 'id: more\nname: More\nscope: { type: workspace }\n';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function octokit(): OctokitLike {
  return new ProbotOctokit({ auth: { token: 'test' }, retry: { enabled: false }, throttle: { enabled: false } }) as unknown as OctokitLike;
}

function logger() {
  const warnings: string[] = [];
  return { warnings, log: { info: () => undefined, debug: () => undefined, warn: (_o: unknown, msg?: string) => void warnings.push(msg ?? '') } };
}

/** Two replicas: each its own connection pool to one database, its own PackSource. */
async function twoReplicas(now?: () => Date) {
  const url = await freshDatabaseUrl();
  const dbs = [openTestDatabase(url), openTestDatabase(url)] as const;
  await migrateToLatest(dbs[0]);
  const logs = [logger(), logger()];
  const replicas = dbs.map((db, i) => new PackSource({ known, log: logs[i]!.log, shared: sqlPackCache(db), ...(now ? { now } : {}) }));
  return { dbs, replicas: replicas as [PackSource, PackSource], logs };
}

const head = (sha: string) => nock(API).get('/repos/acme/.github/commits/HEAD').reply(200, sha, { 'content-type': 'application/vnd.github.sha' });

function tree(sha: string, files: Array<[path: string, blob: string, size: number]>) {
  return nock(API)
    .get(`/repos/acme/.github/git/trees/${sha}`)
    .query({ recursive: '1' })
    .reply(200, { sha, tree: [{ path: 'policy-packs', type: 'tree', sha: 't' }, ...files.map(([path, blob, size]) => ({ path, type: 'blob', sha: blob, size }))] });
}

const blob = (sha: string, text: string) => nock(API).get(`/repos/acme/.github/git/blobs/${sha}`).reply(200, { encoding: 'base64', content: b64(text) });

const summary = (set: PackSet) => set.packs.map((p) => (p.valid ? `${p.file} ${p.pack.id} ${p.versionHash}` : `${p.file} invalid`));

describe('the pack cache shared by replicas', () => {
  it('a config head one replica read costs the other only the head request, and a new head only its new blobs', async () => {
    const { dbs, replicas } = await twoReplicas();
    const [a, b] = replicas;

    head(HEAD);
    tree(HEAD, [['policy-packs/demo.yml', 'b1', DEMO.length]]);
    blob('b1', DEMO);
    const readByA = await a.load(octokit(), 42, 'acme');
    expect(nock.isDone()).toBe(true);

    head(HEAD); // B asks GitHub for the head itself, and nothing else
    const readByB = await b.load(octokit(), 42, 'acme');
    expect(nock.isDone()).toBe(true);
    expect(summary(readByB)).toEqual(summary(readByA));
    expect(readByB.sha).toBe(HEAD);

    // The config repo moves on: B reads it first (the tree, and only the blob it never saw).
    head(NEXT);
    tree(NEXT, [
      ['policy-packs/demo.yml', 'b1', DEMO.length],
      ['policy-packs/more.yml', 'b9', MORE.length],
    ]);
    blob('b9', MORE);
    const nextByB = await b.load(octokit(), 42, 'acme');
    expect(nock.isDone()).toBe(true);
    expect(nextByB.packs.map((p) => p.valid && p.pack.id)).toEqual(['demo', 'more']);

    // A, whose memory still holds HEAD's set, sees the new head and takes the rest from the database.
    head(NEXT);
    const nextByA = await a.load(octokit(), 42, 'acme');
    expect(nock.isDone()).toBe(true);
    expect(summary(nextByA)).toEqual(summary(nextByB));
    await Promise.all(dbs.map((db) => db.destroy()));
  });

  it('a commit without the packs folder is shared too', async () => {
    const { dbs, replicas } = await twoReplicas();
    head(HEAD);
    nock(API).get(`/repos/acme/.github/git/trees/${HEAD}`).query({ recursive: '1' }).reply(200, { sha: HEAD, tree: [{ path: 'README.md', type: 'blob', sha: 'r', size: 3 }] });
    expect((await replicas[0].load(octokit(), 7, 'acme')).missing).toMatchObject({ folder: 'policy-packs', reason: 'folder not found' });
    head(HEAD);
    expect((await replicas[1].load(octokit(), 7, 'acme')).missing).toMatchObject({ folder: 'policy-packs', reason: 'folder not found' });
    await Promise.all(dbs.map((db) => db.destroy()));
  });

  it('a file Postgres text cannot hold (NUL) is not shared: the other replica reads it from GitHub, with the same verdict', async () => {
    const { dbs, replicas } = await twoReplicas();
    const hostile = 'id: nul\nname: "a\u0000b"\n';
    head(HEAD);
    tree(HEAD, [
      ['policy-packs/demo.yml', 'b1', DEMO.length],
      ['policy-packs/nul.yml', 'n1', hostile.length],
    ]);
    blob('b1', DEMO);
    blob('n1', hostile);
    const first = await replicas[0].load(octokit(), 9, 'acme');
    expect(nock.isDone()).toBe(true);

    head(HEAD);
    blob('n1', hostile); // only the file that could not be shared
    const second = await replicas[1].load(octokit(), 9, 'acme');
    expect(nock.isDone()).toBe(true);
    expect(summary(second)).toEqual(summary(first));
    await Promise.all(dbs.map((db) => db.destroy()));
  });

  it('when the database fails, packs are read from GitHub and the failure is logged', async () => {
    const { dbs, replicas, logs } = await twoReplicas();
    // Every cache statement fails from now on.
    await dbs[0].schema.dropTable('pack_cache_blobs').execute();
    await dbs[0].schema.dropTable('pack_cache_trees').execute();
    head(HEAD);
    tree(HEAD, [['policy-packs/demo.yml', 'b1', DEMO.length]]);
    blob('b1', DEMO);
    const set = await replicas[1].load(octokit(), 3, 'acme');
    expect(nock.isDone()).toBe(true);
    expect(set.packs.map((p) => p.valid && p.pack.id)).toEqual(['demo']);
    expect(logs[1]!.warnings.filter((w) => w.includes('shared cache'))).toHaveLength(4); // listing and blobs, read and write
    await Promise.all(dbs.map((db) => db.destroy()));
  });
});

describe('pruning the pack cache', () => {
  const DAY = 24 * 3_600_000;
  const T0 = Date.parse('2026-11-01T00:00:00Z');
  const OLD = 'id: old\nname: Old\nscope: { type: workspace }\n';

  it("drops a commit's listing once a newer one has been the head longer than the retention, and the blobs only it named; the head's stay", async () => {
    let t = T0;
    const { dbs, replicas } = await twoReplicas(() => new Date(t));
    const [a, b] = replicas;
    const rows = async () => ({
      listings: (await dbs[0].selectFrom('pack_cache_trees').select('commit_sha').orderBy('commit_sha').execute()).map((r) => r.commit_sha),
      blobs: (await dbs[0].selectFrom('pack_cache_blobs').select('blob_sha').orderBy('blob_sha').execute()).map((r) => r.blob_sha),
    });

    head(HEAD);
    tree(HEAD, [
      ['policy-packs/demo.yml', 'b1', DEMO.length],
      ['policy-packs/old.yml', 'b2', OLD.length],
    ]);
    blob('b1', DEMO);
    blob('b2', OLD);
    await a.load(octokit(), 42, 'acme');
    // A day later the config repo moves on: old.yml is gone, more.yml is new.
    t = T0 + DAY;
    head(NEXT);
    tree(NEXT, [
      ['policy-packs/demo.yml', 'b1', DEMO.length],
      ['policy-packs/more.yml', 'b9', MORE.length],
    ]);
    blob('b9', MORE);
    await b.load(octokit(), 42, 'acme');
    expect(nock.isDone()).toBe(true);
    expect(await rows()).toEqual({ listings: [HEAD, NEXT], blobs: ['b1', 'b2', 'b9'] });

    // HEAD's listing was in use until NEXT was read: a cutoff before that keeps everything.
    expect(await prunePackCache(dbs[1], new Date(T0 + DAY - 1))).toEqual({ listings: 0, blobs: 0 });
    // A week after NEXT became the head: HEAD's listing and the blob only it named go.
    expect(await prunePackCache(dbs[1], new Date(T0 + 8 * DAY))).toEqual({ listings: 1, blobs: 1 });
    expect(await rows()).toEqual({ listings: [NEXT], blobs: ['b1', 'b9'] });
    // The head's listing stays however old it is, and so do its blobs; pruning again removes nothing.
    expect(await prunePackCache(dbs[0], new Date(T0 + 400 * DAY))).toEqual({ listings: 0, blobs: 0 });

    // The other replica, whose memory still holds HEAD's set, reads NEXT from the cache: only the head request.
    t = T0 + 9 * DAY;
    head(NEXT);
    const set = await a.load(octokit(), 42, 'acme');
    expect(nock.isDone()).toBe(true);
    expect(set.packs.map((p) => p.valid && p.pack.id)).toEqual(['demo', 'more']);
    await Promise.all(dbs.map((db) => db.destroy()));
  });

  it('a pruned listing that becomes the head again (a revert) is read from GitHub and cached again', async () => {
    let t = T0;
    const { dbs, replicas } = await twoReplicas(() => new Date(t));
    head(HEAD);
    tree(HEAD, [['policy-packs/old.yml', 'b2', OLD.length]]);
    blob('b2', OLD);
    await replicas[0].load(octokit(), 5, 'acme');
    t = T0 + DAY;
    head(NEXT);
    tree(NEXT, [['policy-packs/demo.yml', 'b1', DEMO.length]]);
    blob('b1', DEMO);
    await replicas[0].load(octokit(), 5, 'acme');
    expect(await prunePackCache(dbs[0], new Date(T0 + 9 * DAY))).toEqual({ listings: 1, blobs: 1 });

    t = T0 + 10 * DAY;
    head(HEAD);
    tree(HEAD, [['policy-packs/old.yml', 'b2', OLD.length]]);
    blob('b2', OLD);
    const set = await replicas[1].load(octokit(), 5, 'acme');
    expect(nock.isDone()).toBe(true);
    expect(set.packs.map((p) => p.valid && p.pack.id)).toEqual(['old']);
    expect(await sqlPackCache(dbs[0]).blobs('acme', ['b2'])).toEqual(new Map([['b2', OLD]]));
    await Promise.all(dbs.map((db) => db.destroy()));
  });

  it("the app prunes with PJ_PACK_CACHE_RETENTION_DAYS: what its background worker runs every hour", async () => {
    const { db, services } = await createTestApp({ env: { PJ_PACK_CACHE_RETENTION_DAYS: '3' } });
    const cache = sqlPackCache(db);
    const ago = (days: number) => new Date(Date.now() - days * DAY);
    const at = (owner: string, sha: string) => ({ owner, repo: '.github', sha, packsDir: 'policy-packs' });
    const listing = (blobSha: string) => ({ truncated: false, folderExists: true, entries: [{ path: 'policy-packs/x.yml', sha: blobSha }] });
    // acme moved on 4 days ago (past the 3 days): its old listing goes. globex moved on 2 days ago: kept.
    await cache.putListing(at('acme', HEAD), listing('a1'), ago(10));
    await cache.putListing(at('acme', NEXT), listing('a2'), ago(4));
    await cache.putListing(at('globex', HEAD), listing('g1'), ago(10));
    await cache.putListing(at('globex', NEXT), listing('g2'), ago(2));
    await cache.putBlobs('acme', [{ sha: 'a1', text: DEMO }, { sha: 'a2', text: MORE }], ago(10));
    await cache.putBlobs('globex', [{ sha: 'g1', text: DEMO }, { sha: 'g2', text: MORE }], ago(10));
    expect(await services.prunePackCache()).toEqual({ listings: 1, blobs: 1 });
    expect(await cache.listing(at('acme', HEAD))).toBeUndefined();
    expect(await cache.listing(at('globex', HEAD))).toBeDefined();
    expect([...(await cache.blobs('acme', ['a1', 'a2'])).keys()]).toEqual(['a2']);
    expect((await cache.blobs('globex', ['g1', 'g2'])).size).toBe(2);
    await db.destroy();
  });
});
