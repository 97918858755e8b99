import { describe, expect, it } from 'vitest';
import { loadPackSet } from '../../src/packs/load-set.js';
import { selectPacks } from '../../src/packs/select.js';
import type { PackSet } from '../../src/packs/types.js';
import { known } from './known.js';

function set(files: Record<string, string>): PackSet {
  return loadPackSet(
    Object.entries(files).map(([path, text]) => ({ path, text })),
    known,
  );
}
const ids = (s: PackSet, repo: string, paths: string[]) =>
  selectPacks(s, repo, paths)
    .map((p) => (p.valid ? p.pack.id : (p.id ?? p.file)))
    .sort();

describe('selectPacks', () => {
  const packs = set({
    'p/services.yml': 'payments:\n  repos: [acme/pay-api, acme/pay-worker]\n  pathGlobs: ["services/payments/**"]\nweb:\n  repos: [acme/web]\n',
    'p/ws.yml': 'id: ws\nname: Everywhere\nscope: { type: workspace }\n',
    'p/repo.yml': 'id: repo\nname: One repo\nscope: { type: repo, ref: Acme/Demo }\n',
    'p/svc.yml': 'id: svc\nname: Payments\nscope: { type: service, ref: payments }\n',
    'p/web.yml': 'id: web\nname: Web\nscope: { type: service, ref: web }\n',
    'p/allow.yml': 'id: allow\nname: Allowlisted\nscope: { type: workspace }\nrepoAllowlist: [acme/demo, acme/web]\n',
    'p/globs.yml': 'id: globs\nname: Globs\nscope: { type: workspace }\npathGlobs: ["openapi/**", "!openapi/examples/**"]\n',
    'p/dot.yml': 'id: dot\nname: Dotfiles\nscope: { type: workspace }\npathGlobs: ["**/*.yml"]\n',
    'p/draft.yml': 'id: draft\nname: Draft\nstatus: draft\nscope: { type: workspace }\n',
    'p/trial.yml': 'id: trial\nname: Trial\nstatus: draft\ntestMode: { enabled: true }\nscope: { type: workspace }\n',
    'p/old.yml': 'id: old\nname: Old\nstatus: archived\ntestMode: { enabled: true }\nscope: { type: workspace }\n',
  });

  it('workspace scope applies to any repo; drafts only in test mode; archived never', () => {
    expect(ids(packs, 'acme/other', ['README.md'])).toEqual(['trial', 'ws']);
  });

  it('repo scope compares the full name case-insensitively', () => {
    expect(ids(packs, 'acme/demo', ['README.md'])).toContain('repo');
    expect(ids(packs, 'ACME/DEMO', ['README.md'])).toContain('repo');
    expect(ids(packs, 'acme/demo2', ['README.md'])).not.toContain('repo');
  });

  it('service scope: one of its repos, and a changed path inside the service paths when it has some', () => {
    expect(ids(packs, 'acme/pay-worker', ['services/payments/a.ts'])).toContain('svc');
    expect(ids(packs, 'acme/pay-worker', ['services/ledger/a.ts'])).not.toContain('svc');
    expect(ids(packs, 'acme/other', ['services/payments/a.ts'])).not.toContain('svc');
    expect(ids(packs, 'acme/web', ['anything'])).toContain('web');
  });

  it('repo allowlist', () => {
    expect(ids(packs, 'acme/web', ['x'])).toContain('allow');
    expect(ids(packs, 'acme/other', ['x'])).not.toContain('allow');
  });

  it('path globs, with exclusions, and dotfiles matched', () => {
    expect(ids(packs, 'acme/x', ['openapi/openapi.yaml'])).toContain('globs');
    expect(ids(packs, 'acme/x', ['openapi/examples/a.json'])).not.toContain('globs');
    expect(ids(packs, 'acme/x', ['src/a.ts'])).not.toContain('globs');
    expect(ids(packs, 'acme/x', ['.github/workflows/ci.yml'])).toContain('dot');
    expect(ids(packs, 'acme/x', ['src/a.ts'])).not.toContain('dot');
    expect(ids(packs, 'acme/x', [])).not.toContain('globs');
  });

  it('invalid packs fail closed: selected where their readable scope matches', () => {
    const broken = set({
      'p/a.yml': 'id: a\nname: A\nscope: { type: repo, ref: acme/a }\ntrackA: { enforcment: { mode: block } }\n',
      'p/b.yml': 'id: b\nname: [unclosed\n',
      'p/c.yml': 'id: c\nname: C\nscope: { type: service, ref: nowhere }\npathGlobs: ["api/**"]\n',
    });
    expect(broken.packs.every((p) => !p.valid)).toBe(true);
    expect(ids(broken, 'acme/a', ['x'])).toEqual(['a', 'b']);
    expect(ids(broken, 'acme/z', ['x'])).toEqual(['b']);
    // Unknown service: the repos are unknown, so every repo; the readable globs still narrow it.
    expect(ids(broken, 'acme/z', ['api/x.yaml'])).toEqual(['b', 'c']);
  });

  it('a leading ./ or / in pack and service pathGlobs is ignored (the pack still applies)', () => {
    const s = set({
      'p/services.yml': 'api:\n  repos: [acme/api]\n  pathGlobs: ["/openapi/**"]\n',
      'p/dot.yml': 'id: dotslash\nname: D\nscope: { type: workspace }\npathGlobs: ["./openapi/**", "!./openapi/examples/**"]\n',
      'p/abs.yml': 'id: abs\nname: A\nscope: { type: workspace }\npathGlobs: ["/openapi/*.yaml"]\n',
      'p/svc.yml': 'id: svc\nname: S\nscope: { type: service, ref: api }\n',
    });
    expect(s.packs.every((p) => p.valid)).toBe(true);
    expect(ids(s, 'acme/api', ['openapi/x.yaml'])).toEqual(['abs', 'dotslash', 'svc']);
    expect(ids(s, 'acme/api', ['openapi/examples/e.json'])).toEqual(['svc']);
    expect(ids(s, 'acme/api', ['src/a.ts'])).toEqual([]);
  });

  it('a service scope naming an Object.prototype member is an unknown service, and selection does not throw', () => {
    for (const ref of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const s = set({
        'p/services.yml': 'api:\n  repos: [acme/api]\n',
        'p/x.yml': `id: x\nname: X\nscope: { type: service, ref: "${ref}" }\n`,
        'p/ws.yml': 'id: ws\nname: W\nscope: { type: workspace }\n',
      });
      const x = s.packs.find((p) => p.file === 'p/x.yml')!;
      expect(x.valid, ref).toBe(false);
      expect(x.valid ? [] : x.errors.map((e) => e.message)).toEqual([expect.stringContaining(`unknown service "${ref}"`)]);
      // The invalid pack fails closed (applies); the others are still selected.
      expect(ids(s, 'acme/api', ['a.ts'])).toEqual(['ws', 'x']);
    }
  });

  it('selects correctly among 50 packs and 3000 files, exclusions included (its speed is measured in bench/select.mjs)', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) {
      files[`p/${i}.yml`] = `id: p${i}\nname: P${i}\nscope: { type: workspace }\npathGlobs: ["svc${i}/**/*.ts", "docs/${i}/**", "!**/*.test.ts"]\n`;
    }
    const big = set(files);
    const paths = Array.from({ length: 3000 }, (_, i) => `src/module${i % 97}/deep/path/file${i}.md`);
    expect(selectPacks(big, 'acme/x', paths)).toEqual([]);
    expect(ids(big, 'acme/x', [...paths, 'svc7/a/b.ts', 'svc8/a.test.ts', 'docs/9/x.md'])).toEqual(['p7', 'p9']);
  });
});
