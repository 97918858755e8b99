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
import { sqlPackCache } from '../../src/store/pack-cache.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { PackSet } from '../../src/packs/types.js';
import { freshDatabaseUrl, openTestDatabase } from '../helpers/test-db.js';
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
async function twoReplicas() {
  const url = await freshDatabaseUrl();
  const dbs = [openTestDatabase(url), openTestDatabase(url)] as const;
  await migrateToLatest(dbs[0]);
  const logs = [logger(), logger()];
  const replicas = dbs.map((db, i) => new PackSource({ known, log: logs[i]!.log, shared: sqlPackCache(db) }));
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
