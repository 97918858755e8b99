// Benchmark: control-plane page render time at the server with 10,000 approval chains,
// 50,000 outbox actions, 100,000 audit events and Track B's state (2,000 open windows of 5
// items, 20,000 ledger items, 1,000 remediations) in a WAL SQLite file (migrations applied,
// migration 012's indexes included). Each page is requested over HTTP with a signed session
// for one installation (the scoped queries a person runs) and timed inside the handler.
//
//   npx tsc -p .    # emits dist/
//   node bench/admin.mjs [--chains 10000] [--audit 100000] [--actions 50000] [--windows 2000] [--rounds 20]
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const CHAINS = Number(arg('chains', '10000'));
const AUDIT = Number(arg('audit', '100000'));
const ACTIONS = Number(arg('actions', '50000'));
const ROUNDS = Number(arg('rounds', '20'));
const WINDOWS = Number(arg('windows', '2000'));

const { openDatabase } = await import(dist('src/store/open.js'));
const { migrateToLatest } = await import(dist('src/store/migrate.js'));
const { AdminQueries } = await import(dist('src/store/admin.js'));
const { AdminDriftQueries } = await import(dist('src/store/admin-drift.js'));
const { controlPlaneHandler } = await import(dist('src/admin/handler.js'));
const { sign, newSession } = await import(dist('src/admin/session.js'));
const { loadSettings } = await import(dist('src/config.js'));
const { AuditLog } = await import(dist('src/governance/audit.js'));
const { sqlAuditEvents } = await import(dist('src/store/audit-events.js'));

const dir = mkdtempSync(join(tmpdir(), 'pj-bench-admin-'));
const db = openDatabase(join(dir, 'pj.db'));
await migrateToLatest(db);
const now = new Date('2026-03-02T12:00:00Z');
const iso = (msAgo) => new Date(now.getTime() - msAgo).toISOString();
const ORGS = ['acme', 'globex', 'initech', 'umbrella'];
const SEVERITIES = ['critical', 'high', 'medium', 'low'];

let t0 = performance.now();
await db.insertInto('installations').values(ORGS.map((login, i) => ({ id: i + 1, account_login: login, account_type: 'Organization', status: 'active', repositories: '[]', created_at: iso(0), updated_at: iso(0) }))).execute();
const tiers = JSON.stringify({ lead: { name: 'Team Lead', users: ['alice'], teams: [], packIds: ['p'] }, director: { name: 'Director', users: [], teams: ['acme/directors'], packIds: ['p'] }, cto: { name: 'CTO', users: ['cto'], teams: [], packIds: ['p'] } });
for (let start = 0; start < CHAINS; start += 500) {
  const rows = [];
  for (let i = start; i < Math.min(CHAINS, start + 500); i++) {
    const org = ORGS[i % ORGS.length];
    const sha = i.toString(16).padStart(40, '0');
    // One chain in five is done (approved / rejected / superseded): the queue holds the rest.
    const state = i % 5 === 0 ? (i % 10 === 0 ? 'approved' : 'rejected') : 'pending';
    rows.push({ key: `${org}/repo-${i % 50}#${i}@${sha}`, repo: `${org}/repo-${i % 50}`, pr_number: i, head_sha: sha, last_head_sha: sha, severity: SEVERITIES[i % 4], status: state, pr_author: 'dev', tiers, options: '{}', template_hash: 'h', created_at: iso(i * 60_000), updated_at: iso(i * 60_000), superseded_at: i % 7 === 0 ? iso(0) : null, superseded_reason: i % 7 === 0 ? 'newer_head' : null });
  }
  const ids = await db.insertInto('approval_chains').values(rows).returning('id').execute();
  const steps = ids.flatMap(({ id }, k) => ['lead', 'director', 'cto'].map((tier, position) => ({ chain_id: id, step_key: `${position}.${tier}`, position, group_index: position, tier_id: tier, tier_name: tier, status: position === 0 ? (rows[k].status === 'pending' ? 'approved' : 'approved') : position === 1 ? (rows[k].status === 'pending' ? 'active' : 'approved') : 'waiting', activated_at: rows[k].created_at, decided_by: position === 0 ? 'alice' : null, decided_at: position === 0 ? rows[k].created_at : null, source_kind: position === 0 ? 'comment' : null, source_id: position === 0 ? `c${id}` : null, reason: null })));
  await db.insertInto('approval_steps').values(steps).execute();
}
console.log(`seeded ${CHAINS} chains (${CHAINS * 3} steps) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

t0 = performance.now();
const STATUSES = ['dispatched', 'dispatched', 'dispatched', 'dispatched', 'failed', 'approved', 'superseded', 'denied'];
for (let start = 0; start < ACTIONS; start += 1000) {
  const rows = [];
  for (let i = start; i < Math.min(ACTIONS, start + 1000); i++) {
    const org = ORGS[i % ORGS.length];
    const sha = (i >> 1).toString(16).padStart(40, '0');
    const status = STATUSES[i % STATUSES.length];
    rows.push({ installation_id: (i % ORGS.length) + 1, kind: 'check_run.upsert', idempotency_key: `check:${org}/repo-${i % 50}@${sha}:PuddleJumper / contracts`, revision: (i % 2) + 1, payload_hash: `h${i}`, repo: `${org}/repo-${i % 50}`, pr_number: i >> 1, head_sha: sha, payload: JSON.stringify({ name: 'PuddleJumper / contracts', headSha: sha, status: i % 2 ? 'completed' : 'in_progress', title: 't', summary: 's', annotations: [] }), status, attempts: 1 + (i % 3 === 0 ? 1 : 0), next_attempt_at: status === 'approved' ? iso(-60_000) : null, lease_owner: null, lease_expires_at: null, last_error: status === 'failed' ? 'HTTP 502' : null, reason: null, result: null, pack_id: 'p', pack_version_hash: 'v', origin: null, await_chain: null, superseded_by: null, created_at: iso((ACTIONS - i) * 10_000), updated_at: iso((ACTIONS - i) * 10_000 - 2000), dispatched_at: status === 'dispatched' ? iso((ACTIONS - i) * 10_000 - 2000) : null });
  }
  await db.insertInto('actions').values(rows).execute();
}
console.log(`seeded ${ACTIONS} actions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

t0 = performance.now();
const audit = new AuditLog(sqlAuditEvents(db), { now: () => now, log: { info() {}, warn() {} }, key: 'k'.repeat(32), checkpointEvery: 1_000_000 });
const TYPES = ['action.proposed', 'action.approved', 'action.dispatching', 'action.dispatched', 'evaluation.completed', 'approval.step_approved', 'approval.refused'];
for (let start = 0; start < AUDIT; start += 1000) {
  const batch = [];
  for (let i = start; i < Math.min(AUDIT, start + 1000); i++) {
    const org = ORGS[i % ORGS.length];
    batch.push({ at: iso((AUDIT - i) * 1000), installationId: (i % ORGS.length) + 1, actor: i % 11 === 0 ? `user:u${i % 40}` : 'app', type: TYPES[i % TYPES.length], subject: { repo: `${org}/repo-${i % 50}`, prNumber: i % 5000 }, details: { n: i, note: 'x'.repeat(40) } });
  }
  await audit.appendMany(batch);
}
console.log(`seeded ${AUDIT} audit events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

t0 = performance.now();
// Track B: open windows (5 pending items each, with a patch), the ledger (digest, remediation,
// resolved, ...), remediations (one in four open).
const LEDGER = ['digest', 'remediation', 'resolved', 'merged', 'dropped', 'ignored', 'pending', 'digest', 'resolved', 'merged'];
const driftItem = (i, k) => ({ type: 'instruction', rule: 'instruction.script-renamed', message: `npm run deploy-${k} was renamed`, subject: `deploy-${k}`, docTarget: { system: 'github', repo: 'docs/docs', path: `runbooks/r${i}.md`, class: 'runbook' }, section: 'Ops > Deploy', docLine: 10 + k, evidence: [{ file: 'package.json', line: 4, side: 'head' }], fingerprint: `fp-${i}-${k}`, changeClass: 'behavioral', confidence: 0.9, patch: { docHash: 'h', edits: [{ start: 1, end: 2, replacement: 'x' }], diff: `--- a\n+++ b\n@@ -10 +10 @@\n-npm run deploy-${k}\n+npm run release-${k}\n` } });
for (let start = 0; start < WINDOWS; start += 100) {
  const windows = [];
  const items = [];
  const remediations = [];
  for (let i = start; i < Math.min(WINDOWS, start + 100); i++) {
    const inst = (i % ORGS.length) + 1;
    const docKey = `github:docs/docs:runbooks/r${i}.md`;
    const pending = [0, 1, 2, 3, 4].map((k) => ({ item: driftItem(i, k), severity: 'high', sources: [{ repo: `${ORGS[inst - 1]}/repo-${i % 50}`, number: i, sha: 'a'.repeat(40) }], addedAt: iso(i * 60_000) }));
    windows.push({ installation_id: inst, pack_id: `pack-${i % 20}`, doc_key: docKey, owner: ORGS[inst - 1], state: JSON.stringify({ packId: `pack-${i % 20}`, docKey, openedAt: iso(i * 60_000), dueAt: iso(i * 60_000 - 7 * 86400_000), items: pending }), due_at: iso(i * 60_000 - 7 * 86400_000), version: 1, updated_at: iso(0) });
    for (let k = 0; k < 10; k++) items.push({ installation_id: inst, pack_id: `pack-${i % 20}`, doc_key: docKey, fingerprint: `fp-${i}-${k}`, status: LEDGER[k], source_repo: `${ORGS[inst - 1]}/repo-${i % 50}`, entry: JSON.stringify({ item: driftItem(i, k), severity: 'medium', sources: [] }), branch: LEDGER[k] === 'remediation' ? `puddlejumper/drift/r${i}` : null, created_at: iso(i * 60_000), updated_at: iso(i * 60_000) });
    if (i % 2 === 0) remediations.push({ installation_id: inst, pack_id: `pack-${i % 20}`, doc_key: docKey, system: 'github', repo: 'docs/docs', branch: `puddlejumper/drift/r${i}`, status: i % 8 === 0 ? 'open' : 'merged', pr_number: i, reason: null, opened_at: iso(i * 60_000), updated_at: iso(i * 60_000) });
  }
  await db.insertInto('drift_windows').values(windows).execute();
  await db.insertInto('drift_items').values(items).execute();
  if (remediations.length) await db.insertInto('drift_remediations').values(remediations).execute();
}
console.log(`seeded ${WINDOWS} drift windows, ${WINDOWS * 10} ledger items, ${WINDOWS / 2} remediations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const settings = loadSettings({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 'secret', PJ_SESSION_SECRET: 's'.repeat(40), PJ_ADMIN_TOKEN: 't'.repeat(40), PJ_API_RATE_LIMIT_IP: '1000000', PJ_API_RATE_LIMIT_INSTALLATION: '1000000' });
const refusal = async () => ({ ok: false, reason: 'not in the benchmark' });
const handler = controlPlaneHandler({
  settings: settings.admin,
  queries: new AdminQueries(db),
  drift: new AdminDriftQueries(db),
  now: () => now,
  decide: refusal,
  retryAction: refusal,
  cancelAction: refusal,
  verifyAudit: async () => {
    const r = await audit.verify();
    return { ok: r.ok, upTo: r.ok ? r.head?.sequence ?? 0 : r.brokenAt - 1, count: r.count };
  },
  packs: async () => ({ packs: [], errors: [] }),
  testRun: refusal,
});
const times = new Map();
const server = createServer(async (req, res) => {
  const start = performance.now();
  res.on('finish', () => {
    const key = req.url;
    if (!times.has(key)) times.set(key, []);
    times.get(key).push(performance.now() - start);
  });
  if (!(await handler(req, res))) res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const session = sign(newSession('alice', [{ id: 1, login: 'acme' }], now), settings.admin.sessionSecrets);
const cookie = `pj_session=${session}`;
const someChain = await db.selectFrom('approval_chains').select('id').where('repo', 'like', 'acme/%').where('status', '=', 'pending').orderBy('id', 'desc').limit(1).executeTakeFirst();
const PAGES = [
  '/admin',
  '/admin/approvals',
  '/admin/approvals?sort=severity&dir=asc',
  '/admin/approvals?sort=age&dir=desc&page=20',
  `/admin/chains/${someChain.id}`,
  '/admin/dispatches',
  '/admin/dispatches?status=failed',
  '/admin/dispatches?page=100',
  '/admin/audit',
  '/admin/audit?type=approval.refused',
  '/admin/audit?actor=user%3Au4',
  '/admin/audit?repo=acme%2Frepo-4',
  '/admin/audit?since=2026-02-28&until=2026-03-01',
  '/admin/audit?before=50000',
  '/admin/packs',
  '/admin/drift',
  '/admin/drift?remediations=all',
  '/admin/drift?page=5',
  '/api/v1/drift',
  '/api/v1/chains',
  '/api/v1/audit?limit=100',
];
for (const p of PAGES) {
  for (let r = 0; r < ROUNDS + 2; r++) {
    const res = await fetch(`${base}${p}`, { headers: { cookie } });
    if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    await res.arrayBuffer();
  }
}
const stats = (xs) => {
  const s = xs.slice(2).sort((a, b) => a - b); // the first two warm the statement cache
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)], max: s.at(-1) };
};
console.log(`\n${CHAINS} chains, ${ACTIONS} actions, ${AUDIT} audit events; ${ROUNDS} requests a page, one installation's session; ms at the server`);
console.log('page'.padEnd(52), 'median'.padStart(8), 'p95'.padStart(8), 'max'.padStart(8));
let worst = 0;
for (const p of PAGES) {
  const s = stats(times.get(p));
  worst = Math.max(worst, s.p95);
  console.log(p.padEnd(52), s.median.toFixed(1).padStart(8), s.p95.toFixed(1).padStart(8), s.max.toFixed(1).padStart(8));
}
const v0 = performance.now();
const verified = await fetch(`${base}/admin/audit?verify=1`, { headers: { cookie } });
await verified.text();
console.log(`\n/admin/audit?verify=1 (walks all ${AUDIT} rows, on demand): ${(performance.now() - v0).toFixed(0)} ms`);
console.log(`worst p95 ${worst.toFixed(1)} ms (target < 200 ms) on ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, node ${process.version}`);
server.close();
await db.destroy();
if (process.env.PJ_BENCH_KEEP) console.log(`kept the database in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
