// Hostile and ordinary YAML (issue 9 item 4, issue 14 item 3): each case is one child
// process under /usr/bin/time -v (wall, CPU, peak RSS), like bench/openapi-diff.mjs.
//
//   npx tsc -p .            # the bench runs the compiled code in dist/
//   node bench/yaml-hostile.mjs [--runs 3]
//
// 1. a 1 MB YAML spec with 100,000 keys in one mapping: `pj diff` must refuse it (key limit);
// 2. a ~20 MB YAML spec with 100,000 paths: refused (key limit), with --max-size 30000000;
// 3. a 1 MB pack with 100,000 keys: `validatePackFile` must refuse it (key limit), with file:line:col;
// 4. a ~500 KB YAML spec (GitHub paths and the components they reach) and the same as JSON,
//    against a head with one operation removed: the YAML run should cost within 2x of JSON.
// CPU time (user + sys) is the fair comparison on a shared machine; wall time is given too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNNER = join(ROOT, 'bench/yaml-hostile-run.mjs');
const GITHUB = join(ROOT, 'node_modules/@octokit/openapi/generated/api.github.com.json');

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : process.argv[index + 1];
}

function timed(args, timeoutSeconds = 600) {
  const child = spawnSync('/usr/bin/time', ['-v', 'timeout', String(timeoutSeconds), process.execPath, RUNNER, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const stderr = child.stderr ?? '';
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const system = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const exit = /Command (?:exited with non-zero status (\d+)|terminated by signal (\d+))/.exec(stderr);
  return {
    wall: wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN,
    cpu: Number(user?.[1] ?? NaN) + Number(system?.[1] ?? NaN),
    rssMb: rss ? Number(rss[1]) / 1024 : NaN,
    code: exit ? Number(exit[1] ?? 128 + Number(exit[2])) : 0,
    stdout: child.stdout ?? '',
    message: stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('\t') && !line.startsWith('Command')).join(' ').slice(0, 220),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function repeat(runs, args) {
  const all = Array.from({ length: runs }, () => timed(args));
  return { ...all[0], wall: median(all.map((r) => r.wall)), cpu: median(all.map((r) => r.cpu)), rssMb: Math.max(...all.map((r) => r.rssMb)) };
}

function manyKeysSpec(keys) {
  const lines = ['openapi: 3.0.3', 'info:', '  title: Many keys', '  version: 1.0.0', 'paths: {}', 'x-many:'];
  for (let i = 0; i < keys; i++) lines.push(`    k${i.toString(36)}: x`);
  return lines.join('\n') + '\n';
}

function manyPathsSpec(paths) {
  const lines = ['openapi: 3.0.3', 'info:', '  title: Many paths', '  version: 1.0.0', 'paths:'];
  for (let i = 0; i < paths; i++) {
    lines.push(
      `  /things${i}/{id}:`,
      '    get:',
      `      operationId: getThing${i}`,
      '      parameters:',
      '        - { name: id, in: path, required: true, schema: { type: string } }',
      '      responses:',
      "        '200': { description: the thing, content: { application/json: { schema: { type: object } } } }",
    );
  }
  return lines.join('\n') + '\n';
}

function manyKeysPack(keys) {
  const lines = ['id: hostile', 'name: Hostile', 'scope: { type: workspace }', 'labels:'];
  for (let i = 0; i < keys; i++) lines.push(` ${i.toString(36)}: 1`);
  return lines.join('\n') + '\n';
}

/** GitHub's first paths and the components they reach, until the YAML is about `bytes`. */
function githubSubset(bytes) {
  const spec = JSON.parse(readFileSync(GITHUB, 'utf8'));
  const keys = Object.keys(spec.paths);
  for (let count = 10; ; count += 5) {
    const keep = new Set(keys.slice(0, count));
    const paths = Object.fromEntries(Object.entries(spec.paths).filter(([path]) => keep.has(path)));
    const components = {};
    const pending = [paths];
    const seen = new Set();
    while (pending.length > 0) {
      const value = pending.pop();
      if (value === null || typeof value !== 'object') continue;
      if (typeof value.$ref === 'string' && !seen.has(value.$ref)) {
        seen.add(value.$ref);
        const [, section, name] = value.$ref.split('/').slice(1);
        const target = spec.components?.[section]?.[name];
        if (target !== undefined) {
          (components[section] ??= {})[name] = target;
          pending.push(target);
        }
      }
      for (const child of Object.values(value)) pending.push(child);
    }
    const subset = { openapi: spec.openapi, info: spec.info, servers: spec.servers, paths, components };
    const yaml = stringify(subset, { aliasDuplicateObjects: false });
    if (yaml.length >= bytes) return { subset, count };
  }
}

function withoutOneOperation(spec) {
  const head = structuredClone(spec);
  const path = Object.keys(head.paths).at(-1);
  const method = Object.keys(head.paths[path]).find((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key));
  delete head.paths[path][method];
  return { head, removed: `${method.toUpperCase()} ${path}` };
}

function main() {
  if (!existsSync(join(ROOT, 'dist/src/cli/diff.js'))) {
    console.error('dist/ is missing: build first with `npx tsc -p .`');
    process.exit(2);
  }
  const runs = Number(option('--runs', '3'));
  const work = mkdtempSync(join(tmpdir(), 'pj-bench-yaml-'));
  const rows = [];
  let failed = false;
  const record = (name, size, result, ok, note) => {
    rows.push({ name, size, ...result, ok, note });
    if (!ok) failed = true;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${(size / 1024).toFixed(0)} KB): ${result.wall.toFixed(2)} s wall, ${result.cpu.toFixed(2)} s CPU, ${result.rssMb.toFixed(0)} MB peak RSS, exit ${result.code} — ${note}`);
  };
  try {
    const keysSpec = manyKeysSpec(100_000);
    const keysFile = join(work, 'many-keys.yaml');
    writeFileSync(keysFile, keysSpec);
    const keys = repeat(runs, ['diff', keysFile, keysFile]);
    record('1 MB YAML spec, 100,000 keys in one mapping', keysSpec.length, keys, keys.code === 2 && /keys per mapping/.test(keys.message), keys.message);

    const pathsSpec = manyPathsSpec(100_000);
    const pathsFile = join(work, 'many-paths.yaml');
    writeFileSync(pathsFile, pathsSpec);
    const paths = repeat(runs, ['diff', pathsFile, pathsFile, '--max-size', '30000000']);
    record('YAML spec with 100,000 paths', pathsSpec.length, paths, paths.code === 2 && /keys per mapping/.test(paths.message), paths.message);

    const pack = manyKeysPack(100_000);
    const packFile = join(work, 'hostile.yml');
    writeFileSync(packFile, pack);
    const packRun = repeat(runs, ['pack', packFile]);
    record('1 MB pack, 100,000 keys in one mapping', pack.length, packRun, packRun.code === 1 && /MAX_KEYS_PER_MAPPING/.test(packRun.stdout), packRun.stdout.trim().slice(0, 200));

    const { subset, count } = githubSubset(500 * 1024);
    const { head, removed } = withoutOneOperation(subset);
    const files = {};
    for (const [kind, text] of [
      ['base.yaml', stringify(subset, { aliasDuplicateObjects: false })],
      ['head.yaml', stringify(head, { aliasDuplicateObjects: false })],
      ['base.json', JSON.stringify(subset, null, 2)],
      ['head.json', JSON.stringify(head, null, 2)],
    ]) {
      files[kind] = { path: join(work, kind), size: text.length };
      writeFileSync(files[kind].path, text);
    }
    const found = (run) => JSON.parse(run.stdout || '[]').some((change) => change.id.startsWith('api-removed') && `${change.method} ${change.path}` === removed);
    const yaml = repeat(runs, ['diff', files['base.yaml'].path, files['head.yaml'].path, '--format', 'json']);
    const json = repeat(runs, ['diff', files['base.json'].path, files['head.json'].path, '--format', 'json']);
    record(`GitHub subset as YAML (${count} paths)`, files['head.yaml'].size, yaml, found(yaml), `${removed} found: ${found(yaml)}`);
    record(`the same as JSON`, files['head.json'].size, json, found(json), `${removed} found: ${found(json)}`);
    const ratio = yaml.cpu / json.cpu;
    console.log(`YAML / JSON CPU time: ${ratio.toFixed(2)}x (wall ${(yaml.wall / json.wall).toFixed(2)}x)`);
    if (ratio > 2) failed = true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(cpus().length);
  console.log(`\n${new Date().toUTCString()}; node ${process.version}; nproc ${nproc}; ${cpus()[0]?.model ?? '?'}; median of ${runs} runs (max RSS)`);
  process.exitCode = failed ? 1 : 0;
}

main();
