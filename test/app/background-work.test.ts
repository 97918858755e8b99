// Issue 9 items 4 and 11: every webhook is answered as soon as its delivery is recorded and
// claimed; the work goes on after the answer under a lease, and a delivery whose process died
// mid-work (the contracts check left "Evaluating…") is run again from its stored payload.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import pino from 'pino';
import { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { puddleJumperApp, type EventRoutes, type PuddleJumperApp } from '../../src/app.js';
import { loadSettings } from '../../src/config.js';
import { wire } from '../../src/routes.js';
import type { Db } from '../../src/store/database.js';
import { registry } from '../../src/metrics.js';
import { contentCache } from '../../src/change/blob-cache.js';
import { API, mockConfigRepo } from '../helpers/app.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { examplePayload } from '../helpers/payloads.js';
import { postWebhook, startTestServer, TestOctokit } from '../helpers/server.js';

function deferred<T = undefined>() {
  let resolve!: (v?: T) => void;
  const promise = new Promise<T | undefined>((r) => (resolve = r as (v?: T) => void));
  return { promise, resolve };
}

const row = (db: Db, id: string) => db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', id).executeTakeFirstOrThrow();

describe('webhooks are answered before their work is done', () => {
  let db: Db;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let gate: ReturnType<typeof deferred>;
  let started: string[];
  let failNext: boolean;

  beforeEach(async () => {
    db = await openMemoryDatabase();
    gate = deferred();
    started = [];
    failNext = false;
    const routes = (): EventRoutes => ({
      pull_request: async (context) => {
        started.push(context.id);
        await gate.promise; // an evaluation that takes as long as the test wants
        if (failNext) {
          failNext = false;
          throw new Error('boom');
        }
      },
    });
    server = await startTestServer({ db, routes, work: 'background' });
  });

  afterEach(async () => {
    gate.resolve();
    await server.stop();
    await db.destroy();
  });

  it('answers 200 while the work still runs; the row holds the payload until it is done', async () => {
    const payload = examplePayload('pull_request', 'synchronize');
    const res = await postWebhook(server.url, 'pull_request', payload, { delivery: 'slow-1' });
    expect(res.status).toBe(200);
    expect(started).toEqual(['slow-1']);
    expect(await row(db, 'slow-1')).toMatchObject({ status: 'processing', attempts: 1 });
    expect(JSON.parse((await row(db, 'slow-1')).payload!)).toEqual(payload);
    // A redelivery while it runs is a duplicate: acknowledged, not started twice.
    expect((await postWebhook(server.url, 'pull_request', payload, { delivery: 'slow-1' })).status).toBe(200);
    gate.resolve();
    await server.app.drain();
    expect(started).toEqual(['slow-1']);
    expect(await row(db, 'slow-1')).toMatchObject({ status: 'done', payload: null, lease_until: null });
    // Handled → a later redelivery is a duplicate too.
    await postWebhook(server.url, 'pull_request', payload, { delivery: 'slow-1' });
    await server.app.drain();
    expect(started).toEqual(['slow-1']);
  });

  it('a failure after the answer is recorded, and a redelivery runs the delivery again', async () => {
    failNext = true;
    const payload = examplePayload('pull_request', 'opened');
    const first = await postWebhook(server.url, 'pull_request', payload, { delivery: 'fails-1' });
    expect(first.status).toBe(200);
    gate.resolve();
    await server.app.drain();
    expect(await row(db, 'fails-1')).toMatchObject({ status: 'failed', error: 'boom', payload: null });
    await postWebhook(server.url, 'pull_request', payload, { delivery: 'fails-1' });
    await server.app.drain();
    expect(started).toEqual(['fails-1', 'fails-1']);
    expect(await row(db, 'fails-1')).toMatchObject({ status: 'done', attempts: 2 });
  });
});

describe('the lease', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openMemoryDatabase();
  });
  afterEach(async () => {
    await db.destroy();
  });

  async function load(app: PuddleJumperApp): Promise<Probot> {
    const probot = new Probot({ githubToken: 'test', Octokit: TestOctokit, log: pino({ level: 'silent' }) });
    await probot.load(app, { cwd: process.cwd(), addHandler: () => {} });
    return probot;
  }

  it('is renewed while the work runs, so another replica does not take a long delivery over', async () => {
    const gate = deferred();
    let runs = 0;
    const routes = (): EventRoutes => ({
      pull_request: async () => {
        runs++;
        await gate.promise;
      },
    });
    const leaseMs = 300;
    const running = puddleJumperApp({ db, routes, leaseMs });
    const probot = await load(running);
    await probot.receive({ id: 'long-1', name: 'pull_request', payload: examplePayload('pull_request', 'opened') } as never);
    const other = puddleJumperApp({ db, routes, leaseMs });
    await load(other);
    // Three leases long: renewed every 100 ms, never stale.
    for (let i = 0; i < 9; i++) {
      await new Promise((r) => setTimeout(r, 100));
      expect(await other.resumeStale()).toBe(0);
    }
    gate.resolve();
    await running.drain();
    expect(runs).toBe(1);
    expect(await row(db, 'long-1')).toMatchObject({ status: 'done' });
  });
});

// ---- a crash mid-evaluation (item 11) --------------------------------------------------

const fixture = (p: string) => readFileSync(new URL(`../../fixtures/prs/${p}`, import.meta.url), 'utf8');
const REPO = '/repos/Codertocat/Hello-World';
const CONFIG_SHA = 'c'.repeat(40);
const HEAD_BLOB = '9'.repeat(40);

interface CheckBody {
  name?: string;
  status?: string;
  conclusion?: string;
  output?: { title: string };
}

describe('a process that dies mid-evaluation', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openMemoryDatabase();
    contentCache.clear();
  });
  afterEach(async () => {
    await db.destroy();
  });

  /** One process: the real composition root, over the shared database, with its own clock. */
  async function processOn(clock: () => Date): Promise<{ app: PuddleJumperApp; probot: Probot }> {
    let dispatch: ((id: number) => Promise<unknown>) | undefined;
    const app = puddleJumperApp({
      db,
      now: clock,
      routes: (probotApp) => {
        const wiring = wire({ app: probotApp, db, settings: loadSettings({}), now: clock, appSlug: async () => 'puddlejumper' });
        dispatch = wiring.dispatch;
        return wiring.routes;
      },
      dispatch: (id) => dispatch!(id),
    });
    const probot = new Probot({ githubToken: 'test', Octokit: TestOctokit, log: pino({ level: 'silent' }) });
    await probot.load(app, { cwd: process.cwd(), addHandler: () => {} });
    return { app, probot };
  }

  it('leaves "Evaluating…" only until the lease runs out: the worker re-runs the delivery and completes the check', async () => {
    const pr = JSON.parse(fixture('pull_request.synchronize.json')) as Record<string, any>;
    let time = Date.parse('2025-06-01T12:00:00Z');
    const clock = () => new Date(time);
    const checks: CheckBody[] = [];
    const reachedSpec = deferred();

    // Process 1: claims the delivery, answers, publishes "Evaluating…" and hangs reading the spec — then dies.
    const gh1 = nock(API);
    mockConfigRepo(gh1, 'Codertocat', CONFIG_SHA, { 'policy-packs/hello.yml': fixture('petstore/pack.yml') });
    gh1.get(`${REPO}/pulls/2/files`).query(true).reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: HEAD_BLOB }]);
    gh1.post(`${REPO}/check-runs`).reply(201, (_uri, body) => {
      checks.push(body as CheckBody);
      return { id: 501 };
    });
    gh1
      .get(`${REPO}/contents/openapi%2Fopenapi.yaml`)
      .query(true)
      .reply(200, (_uri, _body, _cb: unknown) => {
        reachedSpec.resolve();
        // never calls back: the process is gone
      });
    gh1.get(`${REPO}/git/blobs/${HEAD_BLOB}`).optionally().reply(200, fixture('petstore/head.yaml'), { 'content-type': 'application/vnd.github.raw' });
    const first = await processOn(clock);
    await first.probot.receive({ id: 'crash-1', name: 'pull_request', payload: pr } as never);
    await reachedSpec.promise;
    first.app.stop();
    expect(checks).toEqual([expect.objectContaining({ name: 'PuddleJumper / contracts', status: 'in_progress' })]);
    expect(await row(db, 'crash-1')).toMatchObject({ status: 'processing' });

    // A prompt redelivery is no longer acknowledged as a duplicate for 10 minutes; and without
    // one, the worker of a process that is alive (here a new one) resumes it once the lease ran out.
    const second = await processOn(clock);
    time += 60_000;
    expect(await second.app.resumeStale()).toBe(0); // the lease still holds
    time += 61_000;
    nock.cleanAll();
    const gh2 = nock(API);
    // The new process asks GitHub for the config head only: the pack listing and the pack
    // file come from the pack cache in the database, which the first process filled.
    gh2.get('/repos/Codertocat/.github/commits/HEAD').reply(200, CONFIG_SHA, { etag: `"${CONFIG_SHA}"`, 'content-type': 'application/vnd.github.sha' });
    gh2.get(`${REPO}/pulls/2/files`).query(true).reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: HEAD_BLOB }]);
    gh2
      .get(`${REPO}/contents/openapi%2Fopenapi.yaml`)
      .query(true)
      .reply(200, fixture('petstore/base.yaml'), { 'content-type': 'application/vnd.github.raw' })
      // (the head blob may be in the sha-keyed content cache of this test process already)
      .get(`${REPO}/git/blobs/${HEAD_BLOB}`)
      .optionally()
      .reply(200, fixture('petstore/head.yaml'), { 'content-type': 'application/vnd.github.raw' });
    gh2
      .patch(`${REPO}/check-runs/501`)
      .times(2)
      .optionally()
      .reply(200, (_uri, body) => {
        checks.push({ name: 'PuddleJumper / contracts', ...(body as CheckBody) });
        return { id: 501 };
      });
    gh2.post(`${REPO}/check-runs`).times(3).optionally().reply(201, (_uri, body) => {
      checks.push(body as CheckBody);
      return { id: 600 + checks.length };
    });
    const resumedBefore = (await registry.getSingleMetric('pj_webhook_deliveries_resumed_total')!.get()).values[0]?.value ?? 0;
    expect(await second.app.resumeStale()).toBe(1);
    await second.app.drain();
    const contracts = checks.filter((c) => c.name === 'PuddleJumper / contracts').at(-1)!;
    expect(contracts).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: '2 breaking changes, 1 problem' } });
    expect(await row(db, 'crash-1')).toMatchObject({ status: 'done', attempts: 2, payload: null });
    expect((await registry.getSingleMetric('pj_webhook_deliveries_resumed_total')!.get()).values[0]?.value).toBe(resumedBefore + 1);
  });
});
