import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { beforeEach, describe, expect, it } from 'vitest';
import { ByteLru, contentCache } from '../../src/change/blob-cache.js';
import { GitHubChangeSet } from '../../src/github/changeset.js';
import type { PullRequest } from '../../src/change/changeset.js';

const API = 'https://api.github.com';
const BASE_SHA = 'b'.repeat(40);
const HEAD_SHA = 'h'.repeat(40);

function octokit() {
  const o = new ProbotOctokit({ auth: { token: 'test' }, retry: { enabled: false }, throttle: { enabled: false } });
  const calls: string[] = [];
  o.hook.before('request', (options) => {
    calls.push(`${options.method} ${options.url}`);
  });
  return { o, calls };
}

function facts(over: Partial<PullRequest> = {}): PullRequest {
  return { installationId: 1, repo: 'acme/api', number: 5, baseSha: BASE_SHA, headSha: HEAD_SHA, author: { login: 'octocat', type: 'User' }, labels: [], ...over };
}

const fileItem = (i: number) => ({ filename: `src/f${i}.ts`, status: 'modified', sha: `${i}`.padStart(40, '0') });

beforeEach(() => contentCache.clear());

describe('GitHubChangeSet', () => {
  it('lists files in pages of 100 and stops on a short page', async () => {
    const { o, calls } = octokit();
    nock(API)
      .get('/repos/acme/api/pulls/5/files')
      .query({ per_page: 100, page: 1 })
      .reply(200, Array.from({ length: 100 }, (_, i) => fileItem(i)))
      .get('/repos/acme/api/pulls/5/files')
      .query({ per_page: 100, page: 2 })
      .reply(200, [
        { filename: 'openapi/new.yaml', status: 'renamed', previous_filename: 'openapi/old.yaml', sha: 'a'.repeat(40) },
        { filename: 'gone.txt', status: 'removed', sha: 'd'.repeat(40) },
      ]);
    const cs = new GitHubChangeSet(o, facts());
    const files = await cs.files();
    expect(files).toHaveLength(102);
    expect(files[100]).toEqual({ path: 'openapi/new.yaml', status: 'renamed', previousPath: 'openapi/old.yaml', sha: 'a'.repeat(40) });
    expect(cs.truncated).toBe(false);
    await cs.files(); // memoised
    expect(calls).toHaveLength(2);
  });

  it('uses changed_files to request exactly the pages needed, and says when GitHub truncates at 3000', async () => {
    const { o, calls } = octokit();
    const scope = nock(API);
    for (let page = 1; page <= 30; page++) {
      scope.get('/repos/acme/api/pulls/5/files').query({ per_page: 100, page }).reply(200, Array.from({ length: 100 }, (_, i) => fileItem(page * 100 + i)));
    }
    const cs = new GitHubChangeSet(o, facts({ changedFiles: 4200 }));
    expect(await cs.files()).toHaveLength(3000);
    expect(cs.truncated).toBe(true);
    expect(calls).toHaveLength(30);

    const exact = octokit();
    nock(API).get('/repos/acme/api/pulls/5/files').query({ per_page: 100, page: 1 }).reply(200, Array.from({ length: 100 }, (_, i) => fileItem(i)));
    const one = new GitHubChangeSet(exact.o, facts({ changedFiles: 100 }));
    expect(await one.files()).toHaveLength(100);
    expect(exact.calls).toHaveLength(1); // no probe for a page 2
  });

  it('reads head by blob sha and base through the contents API at the base sha, caching by blob sha', async () => {
    const sha = 'e'.repeat(40);
    nock(API)
      .get('/repos/acme/api/pulls/5/files')
      .query(true)
      .twice()
      .reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha }])
      .get(`/repos/acme/api/git/blobs/${sha}`)
      .matchHeader('accept', /application\/vnd\.github\.raw/)
      .reply(200, 'head text', { 'content-type': 'application/vnd.github.raw; charset=utf-8' })
      .get('/repos/acme/api/contents/openapi%2Fopenapi.yaml')
      .query({ ref: BASE_SHA })
      .matchHeader('accept', /application\/vnd\.github\.raw/)
      .reply(200, Buffer.from('base text'), { 'content-type': 'application/vnd.github.raw' });
    const first = octokit();
    const cs = new GitHubChangeSet(first.o, facts({ changedFiles: 1 }));
    expect(await cs.readHead('openapi/openapi.yaml')).toBe('head text');
    expect(await cs.readBase('openapi/openapi.yaml')).toBe('base text');
    expect(await cs.readHead('openapi/openapi.yaml')).toBe('head text');
    expect(first.calls).toHaveLength(3);
    // A second delivery for the same commits: only the file list, contents from the cache.
    const second = octokit();
    const again = new GitHubChangeSet(second.o, facts({ changedFiles: 1 }));
    expect(await again.readHead('openapi/openapi.yaml')).toBe('head text');
    expect(await again.readBase('openapi/openapi.yaml')).toBe('base text');
    expect(second.calls).toHaveLength(1);
  });

  it('falls back to the blobs API when the contents API says too_large (over 1 MB)', async () => {
    const big = 'x'.repeat(1_200_000);
    const blob = 'f'.repeat(40);
    nock(API)
      .get('/repos/acme/api/pulls/5/files')
      .query(true)
      .reply(200, [{ filename: 'openapi/openapi.json', status: 'modified', sha: 'e'.repeat(40) }])
      .get('/repos/acme/api/contents/openapi%2Fopenapi.json')
      .query({ ref: BASE_SHA })
      .matchHeader('accept', /raw/)
      .reply(403, { message: 'This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via the API, but you can use the Git Data API.', errors: [{ resource: 'Blob', field: 'data', code: 'too_large' }] })
      .get('/repos/acme/api/contents/openapi%2Fopenapi.json')
      .query({ ref: BASE_SHA })
      .matchHeader('accept', /object/)
      .reply(200, { type: 'file', encoding: 'none', content: '', sha: blob, size: big.length })
      .get(`/repos/acme/api/git/blobs/${blob}`)
      .reply(200, big, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
    const { o } = octokit();
    const cs = new GitHubChangeSet(o, facts({ changedFiles: 1 }));
    expect(await cs.readBase('openapi/openapi.json')).toBe(big);
    expect(contentCache.get(blob)).toBe(big);
  });

  it('answers undefined without a request for sides that do not exist, and on 404', async () => {
    nock(API)
      .get('/repos/acme/api/pulls/5/files')
      .query(true)
      .reply(200, [
        { filename: 'new.yaml', status: 'added', sha: '1'.repeat(40) },
        { filename: 'old.yaml', status: 'removed', sha: '2'.repeat(40) },
      ])
      .get('/repos/acme/api/contents/missing.yaml')
      .query({ ref: HEAD_SHA })
      .reply(404, { message: 'Not Found' });
    const { o, calls } = octokit();
    const cs = new GitHubChangeSet(o, facts({ changedFiles: 2 }));
    expect(await cs.readBase('new.yaml')).toBeUndefined();
    expect(await cs.readHead('old.yaml')).toBeUndefined();
    expect(await cs.readHead('missing.yaml')).toBeUndefined();
    expect(calls).toHaveLength(2);
  });
});

describe('ByteLru', () => {
  it('evicts the least recently used entries beyond its byte bound', () => {
    const lru = new ByteLru(20); // 10 UTF-16 code units
    lru.set('a', 'aaaa');
    lru.set('b', 'bbbb');
    expect(lru.get('a')).toBe('aaaa'); // refresh a
    lru.set('c', 'cccc'); // 24 bytes > 20: evicts b, the oldest
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('aaaa');
    expect(lru.get('c')).toBe('cccc');
    lru.set('huge', 'x'.repeat(11));
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.bytes).toBeLessThanOrEqual(20);
  });
});
