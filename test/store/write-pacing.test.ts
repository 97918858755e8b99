// GitHub write pacing shared by replicas (issue 13): Octokit's throttling plugin spaced an
// installation's writes one second apart per PROCESS, so N replicas wrote N times a second.
// On the shared database every write takes the next slot of its installation's key
// (store/write-pacing.ts), whichever replica asks. Each replica here is its own connection
// (pool) to one database; clocks and sleeps are injected, so nothing here waits for real.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { outboxOctokit, PacedError, sharedWritePacing, type WriteSlots } from '../../src/github/octokit.js';
import { sqlWriteSlots } from '../../src/store/write-pacing.js';
import type { Db } from '../../src/store/database.js';
import { openReplicas } from '../helpers/test-db.js';
import { testPrivateKey } from '../helpers/server.js';
import { Probot } from 'probot';

const T = Date.parse('2026-12-02T03:00:00Z');

async function twoReplicas() {
  const [a, b] = (await openReplicas(2)) as [Db, Db];
  return { a, b, done: () => Promise.all([a.destroy(), b.destroy()]) };
}

const gaps = (slots: number[]) => [...slots].sort((x, y) => x - y).map((s, i, all) => (i === 0 ? Infinity : s - all[i - 1]!));

describe('GitHub write slots on the shared database', () => {
  it('two pacers asking at once never hand out slots closer than the interval; another installation is not held up', async () => {
    const { a, b, done } = await twoReplicas();
    const pacers = [sqlWriteSlots(a), sqlWriteSlots(b)];
    // 40 writes of installation 7 asked within the same 20 ms by two replicas, interleaved.
    const slots = await Promise.all(Array.from({ length: 40 }, (_, i) => pacers[i % 2]!.take('write:7', 1000, T + (i % 20))));
    expect(new Set(slots).size).toBe(40);
    expect(Math.min(...gaps(slots))).toBeGreaterThanOrEqual(1000);
    // No slot is wasted: the 40 slots are back to back from the first asker's clock.
    expect(Math.max(...slots) - Math.min(...slots)).toBe(39 * 1000);
    expect(Math.min(...slots)).toBeLessThan(T + 20);
    // Installation 8's first write goes at once, whatever 7 has queued.
    expect(await pacers[1]!.take('write:8', 1000, T + 5)).toBe(T + 5);
    await done();
  });

  it('an idle key gives a slot at the asker\'s now; a busy one the next free slot', async () => {
    const { a, b, done } = await twoReplicas();
    const [pa, pb] = [sqlWriteSlots(a), sqlWriteSlots(b)];
    expect(await pa.take('notifications:1', 3000, T)).toBe(T);
    expect(await pb.take('notifications:1', 3000, T + 100)).toBe(T + 3000);
    // Long after the last slot ended: no waiting, and no slot "saved up" from the idle time.
    expect(await pb.take('notifications:1', 3000, T + 60_000)).toBe(T + 60_000);
    expect(await pa.take('notifications:1', 3000, T + 60_001)).toBe(T + 63_000);
    await expect(pa.take('write:1', -1, T)).rejects.toThrow(/bad interval/);
    await done();
  });

  it('past the longest wait a slot is refused with when to come back, and nothing is booked', async () => {
    const { a, b, done } = await twoReplicas();
    const [pa, pb] = [sqlWriteSlots(a), sqlWriteSlots(b)];
    // Ten slots queued by two replicas: the tenth begins 9 s from now.
    for (let i = 0; i < 10; i++) expect(await [pa, pb][i % 2]!.take('write:9', 1000, T, 9_500)).toBe(T + i * 1000);
    // The eleventh would begin 10 s from now, past 9.5 s: refused, told to come back after
    // about half the allowed wait has drained (10 s queued - 4.75 s).
    const refused = await pb.take('write:9', 1000, T, 9_500).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PacedError);
    expect(refused).toMatchObject({ code: 'paced', retryable: true, retryAfterMs: 5_250, key: 'write:9' });
    // Nothing was booked: the next taker without a limit gets the eleventh slot.
    expect(await pa.take('write:9', 1000, T)).toBe(T + 10_000);
    // Another installation is not refused.
    expect(await pa.take('write:10', 1000, T, 9_500)).toBe(T);
    await done();
  });

  it("a paced Octokit write fails fast with the PacedError (the outbox reschedules it) instead of waiting past the limit", async () => {
    const { a, done } = await twoReplicas();
    const slept: number[] = [];
    const pacing = sharedWritePacing(sqlWriteSlots(a), { clock: () => T, sleep: async (ms) => void slept.push(ms), maxWaitMs: 2_000 });
    const octokit = new (outboxOctokit(pacing))({ auth: { token: 't' }, throttle: { id: '5' }, retry: { enabled: false } });
    const gh = nock('https://api.github.com');
    gh.post('/repos/acme/api/check-runs').times(3).reply(201, { id: 1 });
    const check = () => octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'acme', repo: 'api', name: 'x', head_sha: 'a'.repeat(40) });
    const results = await Promise.allSettled([check(), check(), check(), check()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3); // slots at 0, 1 s, 2 s
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(PacedError);
    expect(slept.sort((x, y) => x - y)).toEqual([1000, 2000]);
    expect(gh.isDone()).toBe(true);
    await done();
  });

  it("two replicas' Octokits write for one installation one slot apart; a notifying write also takes a notifications slot", async () => {
    const { a, b, done } = await twoReplicas();
    const taken: Array<{ key: string; start: number }> = [];
    const slept: number[] = [];
    const recorded = (slots: WriteSlots): WriteSlots => ({
      async take(key, ms, now) {
        const start = await slots.take(key, ms, now);
        taken.push({ key, start });
        return start;
      },
    });
    // Both replicas' clocks stand still at T: every wait is the slot's distance from T.
    const pacing = (db: typeof a) => sharedWritePacing(recorded(sqlWriteSlots(db)), { clock: () => T, sleep: async (ms) => void slept.push(ms) });
    const octokit = (db: typeof a, installation: number) => new (outboxOctokit(pacing(db)))({ auth: { token: 't' }, throttle: { id: String(installation) }, retry: { enabled: false } });
    const [r1, r2, other] = [octokit(a, 1), octokit(b, 1), octokit(b, 2)];
    const gh = nock('https://api.github.com');
    gh.post('/repos/acme/api/check-runs').times(5).reply(201, { id: 1 });
    gh.post('/repos/acme/api/issues/3/comments').reply(201, { id: 2 });
    gh.get('/repos/acme/api').reply(200, { id: 3 });
    const check = (o: typeof r1) => o.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'acme', repo: 'api', name: 'x', head_sha: 'a'.repeat(40) });
    await Promise.all([
      check(r1),
      check(r2),
      check(r1),
      check(r2),
      check(other),
      r1.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: 'acme', repo: 'api', issue_number: 3, body: 'hi' }),
      r2.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'api' }),
    ]);
    expect(gh.isDone()).toBe(true);
    const starts = (key: string) => taken.filter((t) => t.key === key).map((t) => t.start - T).sort((x, y) => x - y);
    // Five writes of installation 1 (four checks and the comment) from two replicas: one a second.
    expect(starts('write:1')).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(starts('notifications:1')).toEqual([0]);
    // Installation 2 has its own slots; the read took none.
    expect(starts('write:2')).toEqual([0]);
    expect(taken).toHaveLength(7);
    expect(slept.sort((x, y) => x - y)).toEqual([1000, 2000, 3000, 4000]);
    await done();
  });

  it('a write whose replica woke more than an interval after its slot takes a new slot instead of going out in a bunch', async () => {
    const { a, done } = await twoReplicas();
    const slots = sqlWriteSlots(a);
    let now = T;
    const takes: number[] = [];
    let slowBy: number[] = [];
    // A take that returns `slowBy[0]` ms after it was asked (a busy database or process).
    const recorded: WriteSlots = { take: async (key, ms, n) => slots.take(key, ms, n).then((start) => (takes.push(start - T), (now += slowBy.shift() ?? 0), start)) };
    let lateBy: number[] = [];
    // A sleep that wakes `lateBy[0]` ms after it should (a busy event loop).
    const pacing = sharedWritePacing(recorded, { clock: () => now, sleep: async (ms) => void (now += ms + (lateBy.shift() ?? 0)) });
    const send = async () => {
      let at = -1;
      await pacing.write.key('1').schedule({}, async () => void (at = now - T));
      return at;
    };
    expect(await slots.take('write:1', 1000, T)).toBe(T); // another replica holds [T, T+1000)

    lateBy = [400]; // late, but within its slot's interval: it goes
    expect(await send()).toBe(1400);
    expect(takes).toEqual([1000]);

    takes.length = 0;
    now = T + 10_000;
    await slots.take('write:1', 1000, now); // [T+10 s, T+11 s) taken
    lateBy = [1500]; // slot T+11 s, woke at T+12.5 s: the next slot is due at once, so it goes then
    expect(await send()).toBe(12_500);
    expect(takes).toEqual([11_000, 12_500]);

    takes.length = 0;
    now = T + 20_000;
    await slots.take('write:1', 1000, now);
    slowBy = [2500, 2500, 2500, 2500]; // always late: every slot is 2.5 s old when the answer comes back
    expect(await send()).toBe(30_000); // after three new slots it goes anyway
    expect(takes).toEqual([21_000, 22_500, 25_000, 27_500]);
    await done();
  });

  it("paces the app's writes per installation only through app.auth: an event's own Octokit would pace every installation under one key", async () => {
    // Probot builds a webhook context's Octokit without the installation as its throttle id,
    // so writes through it share the key "no-id" across installations — the fleet wrote once a
    // second in all (docs/benchmarks.md). routes.ts dispatches through app.auth(id) for that.
    const keys: string[] = [];
    const pacing = sharedWritePacing({ take: async (key, _ms, now) => (keys.push(key), now) });
    const probot = new Probot({ appId: 1, privateKey: testPrivateKey(), Octokit: outboxOctokit(pacing), logLevel: 'fatal' });
    const gh = nock('https://api.github.com');
    gh.post('/app/installations/5/access_tokens').reply(201, { token: 't5', expires_at: new Date(Date.now() + 3600e3).toISOString() });
    gh.post('/repos/acme/api/check-runs').times(3).reply(201, { id: 1 });
    const write = (o: { request: (route: string, params: Record<string, unknown>) => Promise<unknown> }) => o.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'acme', repo: 'api', name: 'x', head_sha: 'a'.repeat(40) });
    await write(await probot.auth(5));
    await write(await probot.auth(5)); // the token is cached: no second token request
    const eventOctokit = await (await probot.auth()).auth({ type: 'event-octokit', event: { id: 'd1', name: 'pull_request', payload: { action: 'opened', installation: { id: 5 } } } });
    await write(eventOctokit as never);
    expect(keys).toEqual(['write:5', 'write:5', 'write:no-id']);
    expect(gh.isDone()).toBe(true);
  });
});
