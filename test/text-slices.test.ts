import fc from 'fast-check';
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { describe, expect, it } from 'vitest';
import { requestLarge } from '../src/github/large-body.js';
import { decodeUtf8, encodeUtf8 } from '../src/text-slices.js';

const API = 'https://api.github.com';

/** Counts the turns the event loop takes while `work` runs (a setImmediate chain). */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  const value = await work();
  running = false;
  return { value, turns };
}

async function* chunksOf(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

describe('encodeUtf8 / decodeUtf8, a slice at a time', () => {
  it('encodes exactly as Buffer.from does, surrogate pairs cut at any slice boundary included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), fc.integer({ min: 1, max: 17 }), async (text, slice) => {
        expect(Buffer.from(await encodeUtf8(text, slice)).equals(Buffer.from(text, 'utf8'))).toBe(true);
      }),
    );
  });

  it('decodes exactly as Buffer#toString does, multi-byte characters split across chunks and slices', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 13 }),
        async (text, sizes, slice) => {
          const bytes = Buffer.from(text, 'utf8');
          expect(await decodeUtf8(chunksOf(bytes, sizes), slice)).toBe(text);
        },
      ),
    );
  });

  it('lets the event loop turn between slices of a large document', async () => {
    const text = 'é'.repeat(4 << 20); // 8 MiB of UTF-8
    const encoded = await turnsDuring(() => encodeUtf8(text));
    expect(encoded.value.byteLength).toBe(8 << 20);
    expect(encoded.turns).toBeGreaterThanOrEqual(3);
    const decoded = await turnsDuring(() => decodeUtf8(chunksOf(encoded.value, [8 << 20])));
    expect(decoded.value === text).toBe(true);
    expect(decoded.turns).toBeGreaterThanOrEqual(7);
  });
});

describe('requestLarge', () => {
  const octokit = () => new ProbotOctokit({ auth: { token: 't' }, retry: { enabled: false }, throttle: { enabled: false } });

  it('reads a raw blob of megabytes as text, turning the event loop while it reads', async () => {
    const body = `openapi: 3.1.0\n# ${'ü'.repeat(3 << 20)}\n`;
    nock(API).get(`/repos/acme/api/git/blobs/${'a'.repeat(40)}`).reply(200, body, { 'content-type': 'application/vnd.github.raw+json; charset=utf-8' });
    const { value, turns } = await turnsDuring(() =>
      requestLarge(octokit(), 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { owner: 'acme', repo: 'api', file_sha: 'a'.repeat(40), headers: { accept: 'application/vnd.github.raw+json' } }),
    );
    expect(value.status).toBe(200);
    expect(value.data === body).toBe(true);
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it("parses the contents API's JSON, as Octokit would", async () => {
    nock(API).get('/repos/acme/docs/contents/README.md').query({ ref: 'main' }).reply(200, { type: 'file', encoding: 'base64', content: Buffer.from('# Hi\n').toString('base64'), sha: 's1' });
    const res = await requestLarge(octokit(), 'GET /repos/{owner}/{repo}/contents/{path}', { owner: 'acme', repo: 'docs', path: 'README.md', ref: 'main' });
    expect(res.data).toMatchObject({ type: 'file', sha: 's1' });
  });

  it('throws the status of a failed read, with its message', async () => {
    nock(API).get(`/repos/acme/api/git/blobs/${'b'.repeat(40)}`).reply(404, { message: 'Not Found' });
    await expect(requestLarge(octokit(), 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { owner: 'acme', repo: 'api', file_sha: 'b'.repeat(40) })).rejects.toMatchObject({ status: 404, message: expect.stringContaining('Not Found') });
  });

  it('hands back the body of an Octokit stand-in that already parsed it', async () => {
    const stand = { request: async () => ({ status: 200, data: { content: 'eA==', encoding: 'base64' } }) };
    expect((await requestLarge(stand, 'GET /x', {})).data).toEqual({ content: 'eA==', encoding: 'base64' });
  });
});
