// Benchmark: compare-and-set transitions of the action outbox on a WAL SQLite file,
// with 4 concurrent workers (worker_threads, each with its own connection).
//
//   npx tsc -p .            # (or any build that emits dist/src/governance and dist/src/store)
//   node bench/actions.mjs [--actions 4000] [--workers 4] [--mode pipeline|cas]
//
// mode "pipeline" (default): each worker loops ActionOutbox.dispatchDue(32) with a no-op
// dispatcher: every action makes two CAS transitions (approved→dispatching claim,
// dispatching→dispatched), each with its audit event and metrics — the real path.
// mode "cas": the bare store transitions without audit events, the ceiling of the store.
// Double claims: actions the dispatcher saw more than once (must be 0).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

if (isMainThread) {
  const actions = Number(arg('actions', '4000'));
  const workers = Number(arg('workers', '4'));
  const mode = arg('mode', 'pipeline');
  const { openDatabase } = await import(dist('src/store/open.js'));
  const { migrateToLatest } = await import(dist('src/store/migrate.js'));
  const { AuditLog } = await import(dist('src/governance/audit.js'));
  const { sqlAuditEvents } = await import(dist('src/store/audit-events.js'));
  const dir = mkdtempSync(join(tmpdir(), 'pj-bench-actions-'));
  const file = join(dir, 'pj.db');
  const db = openDatabase(file);
  await migrateToLatest(db);
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < actions; i += 500) {
      const rows = [];
      for (let j = i; j < Math.min(actions, i + 500); j++) {
        rows.push({
          installation_id: 1, kind: 'bench.noop', idempotency_key: `bench:${j}`, revision: 1, payload_hash: 'h',
          repo: 'acme/api', pr_number: null, head_sha: null, payload: '{}', status: 'approved', attempts: 0,
          next_attempt_at: now, lease_owner: null, lease_expires_at: null, last_error: null, reason: null, result: null,
          pack_id: null, pack_version_hash: null, origin: null, await_chain: null, superseded_by: null,
          created_at: now, updated_at: now, dispatched_at: null,
        });
      }
      await trx.insertInto('actions').values(rows).execute();
    }
  });

  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      new Promise((resolve, reject) => {
        const w = new Worker(fileURLToPath(import.meta.url), { workerData: { file, id: `w${i}`, mode } });
        w.once('message', resolve);
        w.once('error', reject);
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;

  const seen = new Map();
  for (const r of results) for (const id of r.dispatched) seen.set(id, (seen.get(id) ?? 0) + 1);
  const doubleClaims = [...seen.values()].filter((n) => n > 1).length;
  const transitions = results.reduce((a, r) => a + r.transitions, 0);
  const lostRaces = results.reduce((a, r) => a + r.lost, 0);
  const status = await db.selectFrom('actions').select(['status']).select((eb) => eb.fn.countAll().as('n')).groupBy('status').execute();
  const badAttempts = await db.selectFrom('actions').select((eb) => eb.fn.countAll().as('n')).where('attempts', '!=', 1).executeTakeFirst();
  const chain = await new AuditLog(sqlAuditEvents(db)).verify();
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
  const out = {
    mode,
    workers,
    actions,
    seconds: Number(seconds.toFixed(2)),
    transitions,
    transitionsPerSecond: Math.round(transitions / seconds),
    doubleClaims,
    actionsDispatchedTwice: doubleClaims,
    lostCasRaces: lostRaces,
    perWorker: results.map((r) => r.dispatched.length),
    statuses: Object.fromEntries(status.map((s) => [s.status, Number(s.n)])),
    actionsWithAttemptsOtherThan1: Number(badAttempts?.n ?? 0),
    auditChain: chain.ok ? `ok (${chain.count} events)` : `BROKEN at ${chain.brokenAt}`,
    machine: { cpus: cpus().length, node: process.version },
  };
  console.log(JSON.stringify(out, null, 2));
  if (doubleClaims > 0 || !chain.ok) process.exitCode = 1;
} else {
  const { file, id, mode } = workerData;
  const { openDatabase } = await import(dist('src/store/open.js'));
  const { AuditLog } = await import(dist('src/governance/audit.js'));
  const { ActionOutbox } = await import(dist('src/governance/pipeline.js'));
  const { sqlAuditEvents } = await import(dist('src/store/audit-events.js'));
  const { LocalPolicyProvider } = await import(dist('src/governance/policy-provider.js'));
  const { DispatcherRegistry } = await import(dist('src/governance/registry.js'));
  const { ActionStore } = await import(dist('src/store/actions.js'));
  const db = openDatabase(file);
  const dispatched = [];
  let transitions = 0;
  let lost = 0;
  if (mode === 'cas') {
    const store = new ActionStore(db);
    for (;;) {
      const now = new Date().toISOString();
      const due = await store.due(now, 32);
      if (due.length === 0) break;
      // Start at a worker-specific offset so workers spread over the batch instead of all racing for row 1.
      const offset = Number(id.slice(1)) * 8;
      for (let k = 0; k < due.length; k++) {
        const row = due[(k + offset) % due.length];
        const claimed = await store.claim(row, id, now, new Date(Date.now() + 60_000).toISOString());
        if (!claimed) { lost++; continue; }
        transitions++;
        dispatched.push(claimed.id);
        const done = await store.transition(claimed.id, 'dispatching', 'dispatched', { lease_owner: null, lease_expires_at: null }, now, id);
        if (done) transitions++; else lost++;
      }
    }
  } else {
    const registry = new DispatcherRegistry().register({
      kind: 'bench.noop',
      async dispatch({ action }) {
        dispatched.push(action.id);
        return { ok: true };
      },
    });
    const pipeline = new ActionOutbox({
      db,
      registry,
      policy: new LocalPolicyProvider(new AuditLog(sqlAuditEvents(db))),
      log: { info() {}, warn() {}, error() {} },
      workerId: id,
    });
    // The real worker path: batch claim (one CAS statement), audit, dispatch, CAS to dispatched.
    for (;;) {
      const before = dispatched.length;
      const n = await pipeline.dispatchDue(32);
      if (n === 0) break;
      transitions += n + (dispatched.length - before);
    }
  }
  await db.destroy();
  parentPort.postMessage({ dispatched, transitions, lost });
}
