// Benchmark (issue 9 items 4 and 6): hostile documents sent to a running app must not stall
// it, and /healthz stays fast while webhooks are being processed. The app runs as `npm start` would (dist/src/main.js in its own process, the parse pool
// with its default 20 s deadline) against a fake GitHub Enterprise on 127.0.0.1 that serves
// the documents. While each signed webhook is handled, /healthz is polled every 10 ms.
//
//   npx tsc -p tsconfig.json && node bench/hostile-webhooks.mjs [--only keys|paths|pack|load]
//
// Scenarios (each a signed pull_request.synchronize delivery):
//   keys   a 1 MB spec whose one mapping has 100,000 keys (head of a PR against a small base)
//   paths  a 20 MB spec with 100,000 paths (just under the 20 MiB spec limit, so it is parsed)
//   pack   a 1 MB pack with 100,000 keys on a PR to the config repo (.github)
//   load   50 ordinary deliveries (the petstore PR: a real spec diff, a breaking change) sent
//          10 at a time, each a new head, so 50 evaluations run while /healthz is polled
// Recorded: the webhook's response time (target < 1 s), /healthz's latency while the delivery
// was worked on — p50, p95, p99 and worst (target < 100 ms) —, how long until the contracts /
// config check was completed, and what it said (a clear finding or error). The machine's load
// average is printed with each scenario: on a shared machine the latencies are the machine's
// as much as the app's, and the idle control shows how much.
import { spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const SECRET = 'bench-secret';
const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const CONFIG_SHA = 'c'.repeat(40);
const fixture = (p) => readFileSync(join(root, 'fixtures', p), 'utf8');
const PACK = fixture('prs/petstore/pack.yml');
const BASE_SPEC = fixture('prs/petstore/base.yaml');
const HEAD_SPEC = fixture('prs/petstore/head.yaml');

// ---- the documents --------------------------------------------------------------------
function manyKeysSpec() {
  const lines = ['openapi: 3.0.3', 'info: { title: big, version: 1.0.0 }', 'paths: {}', 'x-big:'];
  for (let i = 0; i < 100_000; i++) lines.push(`  k${i}: 1`);
  return lines.join('\n') + '\n';
}
function manyPathsSpec() {
  const lines = ['openapi: 3.0.3', 'info: { title: big, version: 1.0.0 }', 'paths:'];
  for (let i = 0; i < 100_000; i++) {
    lines.push(`  /r${i}/items/{id}:`, `    get:`, `      operationId: op${i}`, `      summary: item ${i}`, `      parameters: [{ name: id, in: path, required: true }]`, `      responses: { '200': { description: ok } }`);
  }
  return lines.join('\n') + '\n';
}
function manyKeysPack() {
  const lines = ['id: hostile', 'name: Hostile', 'scope: { type: repo, ref: Codertocat/Hello-World }', 'x-big:'];
  for (let i = 0; i < 100_000; i++) lines.push(`  ${i.toString(36)}: 1`); // just under the 1 MiB pack-file limit
  return lines.join('\n') + '\n';
}

// ---- a fake GitHub Enterprise ---------------------------------------------------------
const state = { blobs: new Map(), trees: new Map(), files: [], checks: [], unknown: [], checkId: 1000 };
const gh = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
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
    let m;
    if (req.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) return json(201, { token: 'ghs_bench', expires_at: new Date(Date.now() + 3600e3).toISOString(), permissions: {}, repository_selection: 'all' });
    if (req.method === 'GET' && path === '/app') return json(200, { slug: 'puddlejumper', id: 1 });
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/\.github\/commits\/HEAD$/.exec(path))) {
      res.writeHead(200, { 'content-type': 'application/vnd.github.sha', etag: `"${CONFIG_SHA}"` });
      return res.end(CONFIG_SHA);
    }
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/\.github\/git\/trees\/(\w+)$/.exec(path))) {
      const tree = state.trees.get(m[1]);
      return tree ? json(200, { sha: m[1], truncated: false, tree }) : json(404, { message: 'Not Found' });
    }
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/[^/]+\/git\/blobs\/(\w+)$/.exec(path))) {
      const text = state.blobs.get(m[1]);
      if (text === undefined) return json(404, { message: 'Not Found' });
      if ((req.headers.accept ?? '').includes('raw')) return raw(text);
      return json(200, { content: Buffer.from(text).toString('base64'), encoding: 'base64' });
    }
    if (req.method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+\/files$/.test(path)) return json(200, state.files);
    if (req.method === 'GET' && (m = /^\/repos\/[^/]+\/[^/]+\/contents\/(.+)$/.exec(path))) {
      return m[1] === 'openapi/openapi.yaml' ? raw(BASE_SPEC) : json(404, { message: 'Not Found' });
    }
    if (req.method === 'POST' && /\/check-runs$/.test(path)) {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const id = ++state.checkId;
      state.checks.push({ at: Date.now(), id, ...body });
      return json(201, { id, name: body.name });
    }
    if (req.method === 'PATCH' && (m = /\/check-runs\/(\d+)$/.exec(path))) {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const first = state.checks.find((c) => c.id === Number(m[1]));
      state.checks.push({ at: Date.now(), id: Number(m[1]), name: first?.name, ...body });
      return json(200, { id: Number(m[1]) });
    }
    state.unknown.push(`${req.method} ${path}`);
    json(404, { message: 'Not Found' });
  });
});
await new Promise((r) => gh.listen(0, '127.0.0.1', r));
const ghPort = gh.address().port;

// ---- the app, as `npm start` runs it ----------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'pj-bench-hostile-'));
const appPort = 30000 + Math.floor(Math.random() * 20000);
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' });
const profile = process.argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', join(root, 'bench', '.profiles')] : [];
const app = spawn(process.execPath, [...profile, join(root, 'dist/src/main.js')], {
  cwd: root,
  env: {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    APP_ID: '1',
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: `127.0.0.1:${ghPort}`,
    GHE_PROTOCOL: 'http',
    PORT: String(appPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: join(dir, 'pj.db'),
    PJ_AUDIT_KEY: 'b'.repeat(64),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const appUrl = `http://127.0.0.1:${appPort}`;

function get(url) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end();
  });
}
for (let i = 0; ; i++) {
  if ((await get(`${appUrl}/healthz`)).status === 200) break;
  if (i > 200) throw new Error('the app did not start');
  await new Promise((r) => setTimeout(r, 100));
}

function post(event, payload) {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(`${appUrl}/api/github/webhooks`, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-github-event': event,
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The app's own worst event-loop delay since the previous scrape (prom-client resets it per scrape), ms. */
async function eventLoopMax() {
  const text = await new Promise((resolve) => {
    request(`${appUrl}/metrics`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).end();
  });
  const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  return m ? Number(m[1]) * 1000 : NaN;
}

/** Polls /healthz every 10 ms until stopped; every latency seen, and their percentiles. */
function pollHealth() {
  const latencies = [];
  let failures = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const r = await get(`${appUrl}/healthz`);
      latencies.push(r.ms);
      if (r.status !== 200) failures++;
      await new Promise((res) => setTimeout(res, 10));
    }
  })();
  return async () => {
    running = false;
    await loop;
    const sorted = [...latencies].sort((x, y) => x - y);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
    return { worst: sorted.at(-1) ?? NaN, p50: pct(50), p95: pct(95), p99: pct(99), polls: sorted.length, failures };
  };
}

const ms = (v) => v.toFixed(1);
const healthLine = (h) => `/healthz p50 ${ms(h.p50)} / p95 ${ms(h.p95)} / p99 ${ms(h.p99)} / worst ${ms(h.worst)} ms over ${h.polls} polls (${h.failures} failed)`;
const load = () => `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`;

async function waitForCheck(name, since, timeoutMs = 120_000) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const done = state.checks.filter((c) => c.at >= since && c.name === name && c.status === 'completed').at(-1);
    if (done) return done;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

const prPayload = JSON.parse(fixture('prs/pull_request.synchronize.json'));

async function scenario(label, setup) {
  const { payload, check, bytes } = setup();
  await eventLoopMax();
  const since = Date.now();
  const stopHealth = pollHealth();
  await new Promise((r) => setTimeout(r, 200)); // a baseline of polls first
  const answer = await post('pull_request', payload);
  const done = await waitForCheck(check, since);
  const health = await stopHealth();
  const loopMax = await eventLoopMax();
  const seconds = done ? ((done.at - since - 200) / 1000).toFixed(1) : 'none within 120 s';
  const said = done ? `${done.conclusion}: ${done.output?.title}` : '-';
  const detail = done ? (done.output?.summary ?? '').split('\n').find((l) => /too complex|limit|at most|keys|nodes|paths/i.test(l)) ?? '' : '';
  console.log(`${label} (${(bytes / 1e6).toFixed(1)} MB): webhook answered ${answer.status} in ${answer.ms.toFixed(0)} ms; ${healthLine(health)}; the app's event loop worst delay ${loopMax.toFixed(1)} ms; check completed after ${seconds} s — ${said}; ${load()}`);
  if (detail) console.log(`    ${detail.trim().slice(0, 240)}`);
  return { label, answerMs: answer.ms, healthWorstMs: health.worst, done: Boolean(done) };
}

function prTo(repoName, headSha) {
  const p = structuredClone(prPayload);
  p.pull_request.head.sha = headSha;
  if (repoName !== REPO) {
    p.repository.name = repoName;
    p.repository.full_name = `${OWNER}/${repoName}`;
    p.pull_request.base.repo = { ...p.pull_request.base.repo, name: repoName, full_name: `${OWNER}/${repoName}` };
  }
  return p;
}

function specScenario(spec, blob) {
  return () => {
    state.blobs.set('01'.padEnd(40, 'b'), PACK);
    state.trees.set(CONFIG_SHA, [{ path: 'policy-packs', type: 'tree', sha: 't'.repeat(40) }, { path: 'policy-packs/hello.yml', type: 'blob', sha: '01'.padEnd(40, 'b'), size: PACK.length }]);
    state.blobs.set(blob, spec);
    state.files = [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: blob }];
    return { payload: prTo(REPO, blob.replace(/./g, 'e').slice(0, 39) + blob[0]), check: 'PuddleJumper / contracts', bytes: Buffer.byteLength(spec) };
  };
}

/** The control: the idle app polled for 5 s on the same machine, at the same load. */
async function idle() {
  await eventLoopMax();
  const stop = pollHealth();
  await new Promise((r) => setTimeout(r, 5000));
  const h = await stop();
  console.log(`idle (no webhook, 5 s): ${healthLine(h)}; the app's event loop worst delay ${(await eventLoopMax()).toFixed(1)} ms; ${load()}`);
  return { label: 'idle', ...h };
}

/**
 * `count` ordinary deliveries, `concurrency` in flight at a time, each a new head of the
 * petstore PR (a real diff of two specs, a breaking change, a failing check): /healthz while
 * all of them are answered and evaluated.
 */
async function underLoad(count = 50, concurrency = 10) {
  state.blobs.set('01'.padEnd(40, 'b'), PACK);
  state.trees.set(CONFIG_SHA, [{ path: 'policy-packs', type: 'tree', sha: 't'.repeat(40) }, { path: 'policy-packs/hello.yml', type: 'blob', sha: '01'.padEnd(40, 'b'), size: PACK.length }]);
  const blob = '4'.repeat(40);
  state.blobs.set(blob, HEAD_SPEC);
  state.files = [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: blob }];
  const heads = Array.from({ length: count }, (_, i) => `5${i.toString(16).padStart(39, '0')}`);
  await eventLoopMax();
  const since = Date.now();
  const stopHealth = pollHealth();
  await new Promise((r) => setTimeout(r, 200));
  const answers = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < heads.length) {
        const head = heads[next++];
        answers.push(await post('pull_request', prTo(REPO, head)));
      }
    }),
  );
  const t0 = Date.now();
  const wanted = new Set(heads);
  /** Heads whose contracts check was completed (PATCHes carry the id, the POST the head). */
  const finished = () => {
    const headOf = new Map(state.checks.filter((c) => c.at >= since && c.name === 'PuddleJumper / contracts' && wanted.has(c.head_sha)).map((c) => [c.id, c.head_sha]));
    return new Set(state.checks.filter((c) => headOf.has(c.id) && c.status === 'completed').map((c) => headOf.get(c.id))).size;
  };
  while (finished() < count && Date.now() - t0 < 180_000) await new Promise((r) => setTimeout(r, 20));
  const health = await stopHealth();
  const loopMax = await eventLoopMax();
  const answerMs = answers.map((a) => a.ms).sort((x, y) => x - y);
  const seconds = ((Date.now() - since - 200) / 1000).toFixed(1);
  console.log(`under load (${count} deliveries, ${concurrency} at a time): answered ${answers.filter((a) => a.status === 200).length}/${count} with 200, answer p50 ${ms(answerMs[Math.floor(answerMs.length / 2)])} / worst ${ms(answerMs.at(-1))} ms; ${finished()}/${count} contracts checks completed after ${seconds} s; ${healthLine(health)}; the app's event loop worst delay ${loopMax.toFixed(1)} ms; ${load()}`);
  return { label: 'load', answerMs: answerMs.at(-1), healthWorstMs: health.worst, healthP99: health.p99, done: finished() === count };
}

const results = [];
console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
try {
  await idle();
  if (!only || only === 'load') results.push(await underLoad());
  if (!only || only === 'keys') results.push(await scenario('spec, 100,000 keys', specScenario(manyKeysSpec(), '1'.repeat(40))));
  if (!only || only === 'paths') results.push(await scenario('spec, 100,000 paths', specScenario(manyPathsSpec(), '2'.repeat(40))));
  if (!only || only === 'pack') {
    results.push(
      await scenario('config-repo PR pack, 100,000 keys', () => {
        const pack = manyKeysPack();
        const head = '3'.repeat(40);
        state.blobs.set('02'.padEnd(40, 'b'), pack);
        state.trees.set(head, [{ path: 'policy-packs', type: 'tree', sha: 't'.repeat(40) }, { path: 'policy-packs/hostile.yml', type: 'blob', sha: '02'.padEnd(40, 'b'), size: Buffer.byteLength(pack) }]);
        state.files = [{ filename: 'policy-packs/hostile.yml', status: 'added', sha: '02'.padEnd(40, 'b') }];
        return { payload: prTo('.github', head), check: 'PuddleJumper / policy packs', bytes: Buffer.byteLength(pack) };
      }),
    );
  }
  if (state.unknown.length) console.log(`fake GitHub answered 404 to: ${[...new Set(state.unknown)].join(', ')}`);
  const ok = results.every((r) => r.answerMs < 1000 && r.healthWorstMs < 100 && r.done);
  console.log(ok ? 'all within target (answer < 1 s, /healthz < 100 ms, each ended in a completed check)' : 'NOT all within target');
} finally {
  app.kill('SIGTERM');
  gh.close();
  rmSync(dir, { recursive: true, force: true });
}
