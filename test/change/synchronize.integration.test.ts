// From the real pull_request.synchronize payload (@octokit/webhooks-examples) to the
// check-run body: select the pack, evaluate, build the report — counting GitHub requests.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { beforeEach, describe, expect, it } from 'vitest';
import { contentCache } from '../../src/change/blob-cache.js';
import { GitHubChangeSet } from '../../src/github/changeset.js';
import { readPullRequestEvent } from '../../src/github/payloads.js';
import { evaluateChange } from '../../src/contracts/evaluate-change.js';
import { decideGate } from '../../src/contracts/gate.js';
import { comparatorConfigSchemas } from '../../src/contracts/registry.js';
import { driftTypeConfigSchemas } from '../../src/drift/types.js';
import { loadPackSet } from '../../src/packs/load-set.js';
import { buildContractsCheck } from '../../src/report/contracts-check.js';

const fixture = (p: string) => readFileSync(new URL(`../../fixtures/prs/${p}`, import.meta.url), 'utf8');
const payload = JSON.parse(fixture('pull_request.synchronize.json')) as { action: string; pull_request: { base: { sha: string }; head: { sha: string } } };
const BASE = fixture('petstore/base.yaml');
const HEAD = fixture('petstore/head.yaml');
const API = 'https://api.github.com';
const { owner, name } = { owner: 'Codertocat', name: 'Hello-World' };
const baseSha = payload.pull_request.base.sha;
const headSha = payload.pull_request.head.sha;
const HEAD_BLOB = '9'.repeat(40);

function octokit() {
  const o = new ProbotOctokit({ auth: { token: 'test' }, retry: { enabled: false }, throttle: { enabled: false } });
  const calls: string[] = [];
  o.hook.before('request', (options) => {
    calls.push(`${options.method} ${options.url}`);
  });
  return { o, calls };
}

const packSet = loadPackSet([{ path: 'policy-packs/hello-world-api.yml', text: fixture('petstore/pack.yml') }], {
  comparators: comparatorConfigSchemas,
  driftTypes: driftTypeConfigSchemas,
});

async function evaluatePr(o: ProbotOctokit) {
  const changes = new GitHubChangeSet(o, readPullRequestEvent(payload).pr);
  const { evaluation, required } = await evaluateChange(changes, packSet, new Date('2026-01-01T00:00:00Z'));
  return buildContractsCheck(evaluation, decideGate(evaluation, required, undefined));
}

beforeEach(() => contentCache.clear());

describe('pull_request.synchronize → contracts check run', () => {
  it('the payload is the real one', () => {
    expect(payload.action).toBe('synchronize');
    expect(packSet.packs.every((p) => p.valid)).toBe(true);
  });

  it('one pack, one changed spec: file list, base spec, head spec — 3 requests — and a failing check with line annotations', async () => {
    nock(API)
      .get(`/repos/${owner}/${name}/pulls/2/files`)
      .query({ per_page: 100, page: 1 })
      .reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: HEAD_BLOB, additions: 3, deletions: 12, changes: 15 }])
      .get(`/repos/${owner}/${name}/contents/openapi%2Fopenapi.yaml`)
      .query({ ref: baseSha })
      .reply(200, BASE, { 'content-type': 'application/vnd.github.raw; charset=utf-8' })
      .get(`/repos/${owner}/${name}/git/blobs/${HEAD_BLOB}`)
      .reply(200, HEAD, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
    const { o, calls } = octokit();
    const check = await evaluatePr(o);
    expect(calls).toHaveLength(3);
    expect(check).toMatchObject({ name: 'PuddleJumper / contracts', headSha, status: 'completed', conclusion: 'failure', title: '2 breaking changes, 1 problem' });
    const lines = check.annotations.map((a) => [a.path, a.start_line, a.annotation_level, a.title]);
    expect(lines).toContainEqual(['openapi/openapi.yaml', 12, 'failure', 'request-parameter-became-required (high)']);
    expect(lines).toContainEqual(['openapi/openapi.yaml', 24, 'failure', 'api-removed-without-deprecation (high)']);
    expect(lines).toContainEqual(['openapi/openapi.yaml', 4, 'failure', 'api-version-major-bump-required (high)']);
    expect(check.summary).toContain('2.3.1 → 3.0.0');
  });

  it('a PR that touches no pack glob: the file list only, and "No policy pack applies"', async () => {
    nock(API)
      .get(`/repos/${owner}/${name}/pulls/2/files`)
      .query({ per_page: 100, page: 1 })
      .reply(200, [{ filename: 'README.md', status: 'modified', sha: HEAD_BLOB }]);
    const { o, calls } = octokit();
    const check = await evaluatePr(o);
    expect(calls).toHaveLength(1);
    expect(check).toMatchObject({ conclusion: 'success', title: 'No policy pack applies' });
  });
});
