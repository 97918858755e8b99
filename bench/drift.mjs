#!/usr/bin/env node
// Track B detector time: all four detectors over a 3000-file change against a doc just
// under the 1 MB limit, from an in-memory ChangeSet (no I/O: the detectors' own cost).
// Needs the compiled sources: `npx tsc -p .` then `node bench/drift.mjs`.
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { runDrift } = await import(join(root, 'dist/src/drift/run.js'));
const { parseDoc } = await import(join(root, 'dist/src/drift/markdown.js'));

const FILES = 3000;
// The 1 MB doc costs tens of seconds of parsing on a busy machine: one run each, plus a warm-up on 100 KB.
const RUNS = 1;
const SMALL_RUNS = 3;

class MemoryChangeSet {
  constructor(base, head, files) {
    Object.assign(this, { repo: 'acme/payments-api', baseSha: 'b'.repeat(40), headSha: 'h'.repeat(40), author: { login: 'dev', type: 'User' }, labels: [], truncated: false });
    this.base = base;
    this.head = head;
    this.list = files;
  }
  async files() { return this.list; }
  async readBase(p) { return this.base.get(p); }
  async readHead(p) { return this.head.get(p); }
}

// The change: 3000 files; code with env reads, a renamed script, 300 git renames, a spec.
const base = new Map();
const head = new Map();
const files = [];
for (let i = 0; i < FILES - 3; i++) {
  const body = `import x from './x';\nexport function f${i}() {\n  return process.env.PAYMENTS_FLAG_${i % 50} ?? ${i};\n}\n`.repeat(20);
  if (i % 10 === 0) {
    base.set(`src/old/m${i}.ts`, body);
    head.set(`src/new/m${i}.ts`, body);
    files.push({ path: `src/new/m${i}.ts`, previousPath: `src/old/m${i}.ts`, status: 'renamed' });
  } else {
    base.set(`src/m${i}.ts`, body);
    head.set(`src/m${i}.ts`, body.replace(`?? ${i}`, `?? ${i + 1}`) + (i === 2999 - 3 ? 'process.env.PAYMENTS_TIMEOUT_MS;\n' : ''));
    files.push({ path: `src/m${i}.ts`, status: 'modified' });
  }
}
base.set('package.json', JSON.stringify({ scripts: { 'deploy:prod': 'node d.js', 'db:migrate': 'knex' } }));
head.set('package.json', JSON.stringify({ scripts: { 'release:prod': 'node d.js' } }));
files.push({ path: 'package.json', status: 'modified' });
base.set('openapi/openapi.yaml', readFileSync(join(root, 'fixtures/drift/openapi/base.yaml'), 'utf8'));
head.set('openapi/openapi.yaml', readFileSync(join(root, 'fixtures/drift/openapi/head.yaml'), 'utf8'));
files.push({ path: 'openapi/openapi.yaml', status: 'modified' });
base.set('CODEOWNERS', '* @alice @acme/payments-oncall\n');
head.set('CODEOWNERS', '* @bob @acme/payments-oncall\n');
files.push({ path: 'CODEOWNERS', status: 'modified' });

// The doc: the fixture runbook, then sections until just under 1 MB.
let doc = readFileSync(join(root, 'fixtures/drift/runbook-payments.md'), 'utf8');
doc += '\n<!-- puddlejumper:api-reference spec=openapi/openapi.yaml -->\nold\n<!-- /puddlejumper:api-reference -->\n';
const filler = (n) => `\n## Procedure ${n}\n\n1. Run \`npm run db:migrate\` then \`make image\`.\n2. Check \`src/old/m${(n * 10) % 2990}.ts\` and port \`8080\`.\n\n\`\`\`sh\nnpm run deploy:prod -- --step ${n}\ncurl http://localhost:8080/healthz\n\`\`\`\n\n| Variable | Meaning |\n| --- | --- |\n| \`PAYMENTS_FLAG_${n % 60}\` | flag ${n} |\n\nSome prose about step ${n} that mentions GET /pets and @alice.\n`;
for (let n = 0; doc.length < 1_000_000; n++) doc += filler(n); // ASCII: length = bytes
const docBytes = Buffer.byteLength(doc);

const driftTypes = [
  { type: 'instruction', enabled: true, config: {} },
  { type: 'env_var', enabled: true, config: { prefixes: ['PAYMENTS_'] } },
  { type: 'api_reference', enabled: true, config: {} },
  { type: 'owner', enabled: true, config: { sections: ['Owners'] } },
];
const docTarget = { system: 'github', repo: 'acme/docs', path: 'runbooks/payments.md', class: 'runbook' };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
console.log(`change: ${files.length} files; doc: ${(docBytes / 1048576).toFixed(2)} MB, ${doc.split('\n').length} lines`);

parseDoc('warm-up.md', doc.slice(0, 100_000));
const parse = [];
const parseCpu = [];
for (let r = 0; r < RUNS; r++) {
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  parseDoc('runbooks/payments.md', doc);
  parse.push(Number(process.hrtime.bigint() - t) / 1e6);
  const u = process.cpuUsage(c);
  parseCpu.push((u.user + u.system) / 1000);
}
console.log(`parse the 1 MB doc (mdast, headings, markers):  ${median(parse).toFixed(0)} ms wall, ${median(parseCpu).toFixed(0)} ms CPU, median of ${RUNS}`);

const times = [];
const cpu = [];
let result;
for (let r = 0; r < RUNS; r++) {
  const changes = new MemoryChangeSet(base, head, files);
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  result = await runDrift({ changes, docTarget, docText: doc, driftTypes, noiseControls: { ignorePaths: [], ignorePatterns: [] } });
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
  const u = process.cpuUsage(c);
  cpu.push((u.user + u.system) / 1000);
}
const byRule = {};
for (const i of result.items) byRule[i.rule] = (byRule[i.rule] ?? 0) + 1;
const edits = result.items.reduce((n, i) => n + (i.patch?.edits.length ?? 0), 0);
console.log(`all 4 detectors, ${files.length} files x 1 MB doc:     ${median(times).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU, median of ${RUNS} (max wall ${Math.max(...times).toFixed(0)}), peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
console.log(`  ${result.items.length} items, ${edits} edits: ${JSON.stringify(byRule)}`);

// The same change against the fixture runbook (a realistic 1 KB doc): the change's cost alone.
const small = readFileSync(join(root, 'fixtures/drift/runbook-payments.md'), 'utf8');
const smallTimes = [];
for (let r = 0; r < SMALL_RUNS; r++) {
  const t = process.hrtime.bigint();
  await runDrift({ changes: new MemoryChangeSet(base, head, files), docTarget, docText: small, driftTypes, noiseControls: { ignorePaths: [], ignorePatterns: [] } });
  smallTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
}
console.log(`all 4 detectors, ${files.length} files x the 1 KB runbook:  ${median(smallTimes).toFixed(0)} ms wall, median of ${SMALL_RUNS}`);
