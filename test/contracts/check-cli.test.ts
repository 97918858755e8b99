import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/cli/check.js';

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));
let dir: string;
const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pj-check-'));
  cpSync(join(fixtures, 'repos/petstore'), dir, { recursive: true });
  g('init', '-q', '-b', 'main');
  g('config', 'user.email', 'dev@example.com');
  g('config', 'user.name', 'Dev');
  g('remote', 'add', 'origin', 'https://github.com/acme/petstore.git');
  mkdirSync(join(dir, 'openapi'));
  writeFileSync(join(dir, 'openapi/openapi.yaml'), readFileSync(join(fixtures, 'prs/petstore/base.yaml')));
  writeFileSync(join(dir, 'CHANGELOG.md'), '# Changelog\n');
  g('add', '.');
  g('commit', '-qm', 'petstore 2.3.1');
  g('checkout', '-qb', 'breaking');
  writeFileSync(join(dir, 'openapi/openapi.yaml'), readFileSync(join(fixtures, 'prs/petstore/head.yaml')));
  g('commit', '-qam', 'drop DELETE /pets/{id}, require limit');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function check(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCheck(argv, { out: (t) => (out += t), err: (t) => (err += t), cwd: dir });
  return { code, out, err };
}

describe('pj check', () => {
  it('prints what the check run would say and exits 1 on failure (default base: main)', async () => {
    const { code, out, err } = await check();
    expect(err).toBe('');
    expect(code).toBe(1);
    expect(out).toContain('PuddleJumper / contracts: failure — 2 breaking changes, 2 problems');
    expect(out).toContain('acme/petstore main...HEAD');
    expect(out).toContain('openapi/openapi.yaml:12:11: failure: [request-parameter-became-required (high)]');
    expect(out).toContain('openapi/openapi.yaml:4:');
    expect(out).toContain('2.3.1 → 3.0.0');
    expect(out).toContain('CHANGELOG.md was not updated');
  });

  it('speaks JSON, and takes labels', async () => {
    const { code, out } = await check('--format', 'json', '--base', 'main', '--head', 'breaking', '--label', 'skip-changelog');
    expect(code).toBe(1);
    const json = JSON.parse(out) as { conclusion: string; title: string; annotations: Array<{ path: string; start_line: number }>; highestSeverity: string };
    expect(json).toMatchObject({ conclusion: 'failure', title: '2 breaking changes, 1 problem', highestSeverity: 'high' });
    expect(json.annotations.map((a) => a.start_line)).toEqual(expect.arrayContaining([4, 12, 24]));
  });

  it('speaks markdown', async () => {
    const { out } = await check('--format', 'markdown', '--packs', join(dir, 'policy-packs'));
    expect(out.startsWith('# PuddleJumper / contracts: failure\n')).toBe(true);
    expect(out).toContain('| ERR | `request-parameter-became-required` |');
  });

  it('exits 0 when the major version is bumped and the changelog updated', async () => {
    g('checkout', '-q', '-b', 'fixed', 'breaking');
    const spec = readFileSync(join(dir, 'openapi/openapi.yaml'), 'utf8').replace('version: 2.4.0', 'version: 3.0.0');
    writeFileSync(join(dir, 'openapi/openapi.yaml'), spec);
    writeFileSync(join(dir, 'CHANGELOG.md'), '# Changelog\n\n## 3.0.0\n- breaking\n');
    g('commit', '-qam', 'bump');
    // Block mode still fails on the breaking changes themselves (they need approval), but no version/changelog problems.
    const { code, out } = await check('--base', 'main');
    expect(code).toBe(1);
    expect(out).toContain('failure — 2 breaking changes\n');
    const none = await check('--base', 'HEAD', '--head', 'HEAD');
    expect(none.code).toBe(0);
    expect(none.out).toContain('success — No policy pack applies');
    g('checkout', '-q', 'breaking');
  });

  it('exits 2 on usage errors', async () => {
    expect((await check('--format', 'xml')).code).toBe(2);
    expect((await check('--bogus')).code).toBe(2);
    const badRef = await check('--base', 'no-such-ref');
    expect(badRef.code).toBe(2);
    expect(badRef.err).toContain('no-such-ref');
    expect((await check('--packs', join(dir, 'nope'))).code).toBe(2);
  });
});
