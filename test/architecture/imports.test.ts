// The import rule of DESIGN.md, held by reading the imports of src/.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');
const CORE = ['packs', 'contracts', 'drift', 'approvals', 'report'];
/** What the core may import besides itself: the ChangeSet interface and small pure helpers. */
const CORE_ALLOWED_FILES = ['change/changeset.ts', 'canonical.ts'];
const CORE_FORBIDDEN_PACKAGES = [/^probot/, /^@octokit\//, /^kysely/, /^better-sqlite3/, /^pg$/, /^prom-client/, /^node:fs/, /^fs$/, /^node:child_process/, /^node:http/, /^node:net/];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

interface Edge {
  from: string;
  spec: string;
  target?: string;
}

function imports(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(SRC, file);
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s*['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => {
    const spec = m[1]!;
    if (!spec.startsWith('.')) return { from, spec };
    return { from, spec, target: relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts') };
  });
}

const top = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : path.replace(/\.ts$/, ''));
const all = files(SRC).flatMap(imports);

describe('the import rule', () => {
  it('the core imports only itself, the ChangeSet interface and pure helpers', () => {
    const violations = all.filter((e) => {
      if (!CORE.includes(top(e.from))) return false;
      if (e.target === undefined) return CORE_FORBIDDEN_PACKAGES.some((re) => re.test(e.spec));
      return !CORE.includes(top(e.target)) && !CORE_ALLOWED_FILES.includes(e.target);
    });
    expect(violations.map((v) => `${v.from} -> ${v.target ?? v.spec}`)).toEqual([]);
  });

  it('edges never import use cases or the shell', () => {
    const EDGES = ['store', 'github', 'governance', 'change', 'http', 'metrics', 'sandbox', 'admin'];
    const SHELL = ['usecases', 'app', 'routes', 'main', 'cli', 'control-plane'];
    const violations = all.filter((e) => e.target !== undefined && EDGES.includes(top(e.from)) && SHELL.includes(top(e.target)));
    expect(violations.map((v) => `${v.from} -> ${v.target}`)).toEqual([]);
  });

  it('no two top-level folders import each other (the folder graph has no cycle)', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of all) {
      if (e.target === undefined) continue;
      const a = top(e.from);
      const b = top(e.target);
      if (a === b) continue;
      if (!graph.has(a)) graph.set(a, new Set());
      graph.get(a)!.add(b);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (n: string, path: string[]) => {
      if (state.get(n) === 'done') return;
      if (state.get(n) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' -> '));
        return;
      }
      state.set(n, 'visiting');
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 'done');
    };
    for (const n of graph.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });
});
