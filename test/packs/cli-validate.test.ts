import { describe, expect, it } from 'vitest';
import { runValidate, type CliIo } from '../../src/cli/validate.js';

function io(cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), cwd };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

describe('pj validate', () => {
  it('exits 0 on the example packs (the default folder) with the real registries', async () => {
    const t = io();
    expect(await runValidate([], t.io)).toBe(0);
    expect(t.out()).toBe('3 packs valid: docs-test-mode, infra-workspace, payments-api\n');
  });

  it('exits 1 on a broken folder and prints file:line:col message, relative to the cwd', async () => {
    const t = io();
    expect(await runValidate(['fixtures/packs/broken'], t.io)).toBe(1);
    const lines = t.out().trimEnd().split('\n');
    expect(lines).toContain('fixtures/packs/broken/dup-b.yml:2:5 duplicate pack id "shared": also declared in fixtures/packs/broken/dup-a.yml');
    expect(lines).toContain('fixtures/packs/broken/payments.yml:6:3 unknown key "enforcment" in trackA (did you mean "enforcement"?)');
    expect(lines.every((l) => /^fixtures\/packs\/broken\/[\w-]+\.yml:\d+:\d+ \S/.test(l))).toBe(true);
    expect(t.err()).toMatch(/^\d+ errors; 4 of 5 packs invalid\n$/);
  });

  it('paths are relative to the cwd it is given', async () => {
    const t = io(`${process.cwd()}/fixtures/packs`);
    expect(await runValidate(['broken'], t.io)).toBe(1);
    expect(t.out()).toContain('broken/payments.yml:6:3 ');
  });

  it('--format json', async () => {
    const t = io();
    expect(await runValidate(['fixtures/packs/broken', '--format', 'json'], t.io)).toBe(1);
    const report = JSON.parse(t.out());
    expect(report.valid).toBe(false);
    expect(report.packs.find((p: { id: string }) => p.id === 'good')).toMatchObject({ valid: true });
    expect(report.errors[0]).toMatchObject({ file: 'fixtures/packs/broken/dup-a.yml', line: 1, column: 5 });
  });

  it('usage errors exit 2; --help exits 0', async () => {
    const a = io();
    expect(await runValidate(['--bogus'], a.io)).toBe(2);
    expect(a.err()).toContain('Usage: pj validate');
    const b = io();
    expect(await runValidate(['no/such/dir'], b.io)).toBe(2);
    expect(b.err()).toContain('no/such/dir is not a folder');
    const c = io();
    expect(await runValidate(['--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: pj validate [DIR]');
  });
});
