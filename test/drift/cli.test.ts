import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';

const fixtures = fileURLToPath(new URL('../../fixtures/drift/', import.meta.url));
const docsDir = join(fixtures, 'docs-repo');
let dir: string;
const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pj-drift-'));
  cpSync(join(fixtures, 'repos/payments'), dir, { recursive: true });
  g('init', '-q', '-b', 'main');
  g('config', 'user.email', 'dev@example.com');
  g('config', 'user.name', 'Dev');
  g('remote', 'add', 'origin', 'https://github.com/acme/payments-api.git');
  g('add', '.');
  g('commit', '-qm', 'base');
  g('checkout', '-qb', 'change');
  const pkg = readFileSync(join(dir, 'package.json'), 'utf8').replace('"deploy:prod"', '"release:prod"');
  writeFileSync(join(dir, 'package.json'), pkg);
  writeFileSync(join(dir, 'src/config.ts'), readFileSync(join(dir, 'src/config.ts'), 'utf8').replace('};', '  timeoutMs: Number(process.env.PAYMENTS_TIMEOUT_MS ?? 5000),\n};'));
  writeFileSync(join(dir, 'openapi/openapi.yaml'), readFileSync(join(fixtures, 'openapi/head.yaml')));
  g('commit', '-qam', 'rename deploy script, add a timeout, drop DELETE /pets/{id}');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function drift(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['drift', ...argv], { out: (t) => (out += t), err: (t) => (err += t), cwd: dir });
  return { code, out, err };
}

// git and the whole pipeline per test: generous on a busy machine.
describe('pj drift', { timeout: 90_000 }, () => {
  it('prints items, bands and patches for a doc in another repo (--docs), and writes nothing', async () => {
    const before = readFileSync(join(docsDir, 'runbooks/payments.md'), 'utf8');
    const { code, out, err } = await drift('--docs', docsDir);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('PuddleJumper / drift — acme/payments-api main...HEAD');
    expect(out).toContain('acme/docs/runbooks/payments.md (pack payments-docs): 2 items');
    expect(out).toMatch(/notify 0\.712 high {5}instruction\.script-renamed {2}runbooks\/payments\.md:27/);
    expect(out).toContain('    +3. Deploy to production with `npm run release:prod` and watch the dashboards.');
    expect(out).toMatch(/notify 0\.450 medium {3}env_var\.undocumented/);
    expect(out).toContain('    evidence: src/config.ts:4 (head)');
    // The doc in the repository itself: its marker section regenerated.
    expect(out).toContain('docs/api.md (pack api-docs): 1 item');
    expect(out).toContain('api_reference.regenerated');
    expect(readFileSync(join(docsDir, 'runbooks/payments.md'), 'utf8')).toBe(before);
    expect(g('status', '--porcelain')).toBe('');
  });

  it('without --docs, a doc in another repo is a clear item', async () => {
    const { code, out } = await drift('--format', 'json');
    expect(code).toBe(0);
    const json = JSON.parse(out) as { docs: Array<{ packId: string; items: Array<{ rule: string; message: string; band: string }> }> };
    const runbook = json.docs.find((d) => d.packId === 'payments-docs')!;
    expect(runbook.items.map((i) => [i.rule, i.band])).toEqual([['problem.doc-missing', 'digest']]);
    expect(runbook.items[0]!.message).toContain('acme/docs/runbooks/payments.md is not in acme/payments-api: pass --docs DIR');
    const api = json.docs.find((d) => d.packId === 'api-docs')!;
    expect(api.items.map((i) => i.rule)).toEqual(['api_reference.regenerated']);
  });

  it('markdown is the drift check summary', async () => {
    const { out } = await drift('--format', 'markdown', '--docs', docsDir, '--base', 'main', '--head', 'change');
    expect(out.split('\n')[0]).toBe('# PuddleJumper / drift: neutral');
    expect(out).toContain('```diff');
  });

  it('no change, no drift; usage errors exit 2', async () => {
    const same = await drift('--base', 'HEAD', '--docs', docsDir);
    expect(same.code).toBe(0);
    expect(same.out).toContain('acme/docs/runbooks/payments.md (pack payments-docs): no drift');
    expect((await drift('--format', 'yaml')).code).toBe(2);
    expect((await drift('--packs', join(dir, 'nope'))).err).toContain('no packs folder');
    expect((await drift('--bogus')).code).toBe(2);
    expect((await drift('--help')).out).toContain('Usage: pj drift');
  });

  it('a doc is parsed in a worker within PJ_PARSE_DEADLINE_MS: one past it is an item that says so, not a stalled run', async () => {
    const hostile = mkdtempSync(join(tmpdir(), 'pj-drift-docs-'));
    try {
      cpSync(docsDir, hostile, { recursive: true });
      // About 10 s to parse in this thread.
      writeFileSync(join(hostile, 'runbooks/payments.md'), `${readFileSync(join(docsDir, 'runbooks/payments.md'), 'utf8')}\n${'[a]('.repeat(36_000)}\n`);
      let out = '';
      let err = '';
      const io = { out: (t: string) => (out += t), err: (t: string) => (err += t), cwd: dir, env: { PJ_PARSE_DEADLINE_MS: '200' } };
      const code = await runCli(['drift', '--docs', hostile, '--format', 'json'], io as never);
      expect(err).toBe('');
      expect(code).toBe(0);
      const json = JSON.parse(out) as { docs: Array<{ packId: string; items: Array<{ rule: string; message: string }> }> };
      const runbook = json.docs.find((d) => d.packId === 'payments-docs')!;
      expect(runbook.items.map((i) => `${i.rule}: ${i.message}`)).toEqual(['problem.doc-missing: runbooks/payments.md: too complex to parse within 200 ms (PJ_PARSE_DEADLINE_MS), so it was not read: nothing was checked for drift']);
      // The other pack's doc (in the repository, ordinary) is read as before.
      expect(json.docs.find((d) => d.packId === 'api-docs')!.items.map((i) => i.rule)).toEqual(['api_reference.regenerated']);
      const bad = await runCli(['drift', '--docs', hostile], { ...io, env: { PJ_PARSE_DEADLINE_MS: 'soon' } } as never);
      expect(bad).toBe(2);
      expect(err).toContain('invalid setting PJ_PARSE_DEADLINE_MS');
    } finally {
      rmSync(hostile, { recursive: true, force: true });
    }
  });
});
