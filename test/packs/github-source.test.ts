import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { describe, expect, it } from 'vitest';
import { PackSource } from '../../src/github/pack-source.js';
import type { OctokitLike } from '../../src/github/octokit.js';
import { PackVersionsRepo } from '../../src/store/pack-versions.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { known } from './known.js';

const API = 'https://api.github.com';
const HEAD = 'a'.repeat(40);
const PACK = 'id: demo\nname: Demo\nscope: { type: workspace }\n';
const BROKEN = 'id: broken\nname: Broken\nscope: { type: repo, ref: acme/x }\nstauts: draft\n';

function octokit(): OctokitLike {
  return new ProbotOctokit({ auth: { token: 'test' }, retry: { enabled: false }, throttle: { enabled: false } }) as unknown as OctokitLike;
}

function logger() {
  const lines: Array<{ level: string; msg: string | undefined }> = [];
  const log = {
    info: (_o: unknown, msg?: string) => lines.push({ level: 'info', msg }),
    warn: (_o: unknown, msg?: string) => lines.push({ level: 'warn', msg }),
    debug: (_o: unknown, msg?: string) => lines.push({ level: 'debug', msg }),
  };
  return { log, lines };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function mockTreeAndBlobs(sha: string) {
  return nock(API)
    .get(`/repos/acme/.github/git/trees/${sha}`)
    .query({ recursive: '1' })
    .reply(200, {
      sha,
      truncated: false,
      tree: [
        { path: 'README.md', type: 'blob', sha: 'r1', size: 10 },
        { path: 'policy-packs', type: 'tree', sha: 't1' },
        { path: 'policy-packs/demo.yml', type: 'blob', sha: 'b1', size: PACK.length },
        { path: 'policy-packs/broken.yaml', type: 'blob', sha: 'b2', size: BROKEN.length },
        { path: 'policy-packs/notes.md', type: 'blob', sha: 'b3', size: 5 },
        { path: 'other/ignored.yml', type: 'blob', sha: 'b4', size: 5 },
      ],
    })
    .get('/repos/acme/.github/git/blobs/b1')
    .reply(200, { sha: 'b1', encoding: 'base64', content: b64(PACK) })
    .get('/repos/acme/.github/git/blobs/b2')
    .reply(200, { sha: 'b2', encoding: 'base64', content: b64(BROKEN) });
}

describe('PackSource (GitHub config repo)', () => {
  it('first load reads head, tree and blobs; a 304 on the next load makes one call and returns the same set', async () => {
    const db = await openMemoryDatabase();
    const { log } = logger();
    const source = new PackSource({ known, log, versions: new PackVersionsRepo(db), now: () => new Date('2026-03-01T00:00:00Z') });

    nock(API, { reqheaders: { accept: 'application/vnd.github.sha' } })
      .get('/repos/acme/.github/commits/HEAD')
      .reply(200, HEAD, { 'content-type': 'application/vnd.github.sha; charset=utf-8', etag: '"head-1"' });
    mockTreeAndBlobs(HEAD);
    const first = await source.load(octokit(), 42, 'acme');
    expect(first.sha).toBe(HEAD);
    expect(first.packs.map((p) => [p.file, p.valid])).toEqual([
      ['policy-packs/broken.yaml', false],
      ['policy-packs/demo.yml', true],
    ]);
    expect(nock.isDone()).toBe(true);

    nock(API, { reqheaders: { 'if-none-match': '"head-1"' } })
      .get('/repos/acme/.github/commits/HEAD')
      .reply(304);
    const second = await source.load(octokit(), 42, 'acme');
    expect(second).toBe(first);

    // The valid pack version is recorded once, with its sha and canonical content.
    const rows = await new PackVersionsRepo(db).list(42);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ packId: 'demo', sourceFile: 'policy-packs/demo.yml', configRepoSha: HEAD, firstSeenAt: '2026-03-01T00:00:00.000Z' });
    expect(rows[0]!.versionHash).toBe(first.packs[1]!.valid ? first.packs[1]!.versionHash : '');
    expect(JSON.parse(rows[0]!.content)).toMatchObject({ id: 'demo', name: 'Demo' });
    await db.destroy();
  });

  it('a new head after invalidate re-reads the tree, fetches only unseen blobs, and keeps first-seen rows', async () => {
    const db = await openMemoryDatabase();
    const source = new PackSource({ known, log: logger().log, versions: new PackVersionsRepo(db) });
    nock(API).get('/repos/acme/.github/commits/HEAD').reply(200, HEAD, { 'content-type': 'application/vnd.github.sha' });
    mockTreeAndBlobs(HEAD);
    await source.load(octokit(), 7, 'acme');

    source.invalidate(7);
    const next = 'b'.repeat(40);
    nock(API)
      .get('/repos/acme/.github/commits/HEAD')
      .matchHeader('if-none-match', (v) => v === undefined)
      .reply(200, next, { 'content-type': 'application/vnd.github.sha' })
      .get(`/repos/acme/.github/git/trees/${next}`)
      .query({ recursive: '1' })
      .reply(200, {
        sha: next,
        tree: [
          { path: 'policy-packs/demo.yml', type: 'blob', sha: 'b1', size: PACK.length },
          { path: 'policy-packs/more.yml', type: 'blob', sha: 'b9', size: 10 },
        ],
      })
      .get('/repos/acme/.github/git/blobs/b9')
      .reply(200, { encoding: 'base64', content: b64('id: more\nname: More\nscope: { type: workspace }\n') });
    const set = await source.load(octokit(), 7, 'acme');
    expect(set.sha).toBe(next);
    expect(set.packs.map((p) => p.valid && p.pack.id)).toEqual(['demo', 'more']);
    const rows = await new PackVersionsRepo(db).list(7);
    expect(rows.map((r) => [r.packId, r.configRepoSha])).toEqual([
      ['demo', HEAD],
      ['more', next],
    ]);
    await db.destroy();
  });

  it('a missing config repo means no packs, logged once per installation', async () => {
    const { log, lines } = logger();
    const source = new PackSource({ known, log, configRepo: 'policy-config' });
    nock(API).get('/repos/nobody/policy-config/commits/HEAD').times(2).reply(404, { message: 'Not Found' });
    const a = await source.load(octokit(), 9, 'nobody');
    const b = await source.load(octokit(), 9, 'nobody');
    expect(a).toEqual({ packs: [], services: {}, errors: [], missing: { repo: 'nobody/policy-config', reason: 'not found (the App is not installed on it, or it does not exist)' } });
    expect(b.packs).toEqual([]);
    expect(lines.filter((l) => l.level === 'info' && l.msg?.includes('no packs apply'))).toHaveLength(1);
  });

  it('a missing packs folder means no packs, and the head is cached', async () => {
    const source = new PackSource({ known, log: logger().log, packsDir: 'packs' });
    nock(API)
      .get('/repos/acme/.github/commits/HEAD')
      .reply(200, HEAD, { 'content-type': 'application/vnd.github.sha', etag: '"e"' })
      .get(`/repos/acme/.github/git/trees/${HEAD}`)
      .query({ recursive: '1' })
      .reply(200, { sha: HEAD, tree: [{ path: 'README.md', type: 'blob', sha: 'r', size: 3 }] })
      .get('/repos/acme/.github/commits/HEAD')
      .reply(304);
    expect((await source.load(octokit(), 1, 'acme')).packs).toEqual([]);
    const cached = await source.load(octokit(), 1, 'acme');
    expect(cached.sha).toBe(HEAD);
    expect(cached.missing).toEqual({ repo: 'acme/.github', folder: 'packs', reason: 'folder not found' });
  });

  it('an oversize pack file is reported without downloading it', async () => {
    const source = new PackSource({ known, log: logger().log });
    nock(API)
      .get('/repos/acme/.github/commits/HEAD')
      .reply(200, HEAD, { 'content-type': 'application/vnd.github.sha' })
      .get(`/repos/acme/.github/git/trees/${HEAD}`)
      .query({ recursive: '1' })
      .reply(200, { sha: HEAD, tree: [{ path: 'policy-packs/huge.yml', type: 'blob', sha: 'h', size: 2_000_000 }] });
    const set = await source.load(octokit(), 3, 'acme');
    expect(set.packs).toHaveLength(1);
    expect(set.packs[0]!.valid).toBe(false);
    if (!set.packs[0]!.valid) expect(set.packs[0]!.errors[0]).toMatchObject({ file: 'policy-packs/huge.yml', line: 1, column: 1 });
  });
});

describe('PackSource concurrency', () => {
  it('concurrent loads for one installation share one set of requests', async () => {
    const source = new PackSource({ known, log: logger().log });
    nock(API).get('/repos/acme/.github/commits/HEAD').reply(200, HEAD, { 'content-type': 'application/vnd.github.sha; charset=utf-8' });
    mockTreeAndBlobs(HEAD);
    const [a, b] = await Promise.all([source.load(octokit(), 5, 'acme'), source.load(octokit(), 5, 'acme')]);
    expect(a).toBe(b);
    expect(a.packs).toHaveLength(2);
  });
});
