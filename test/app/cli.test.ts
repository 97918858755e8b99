import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), cwd: process.cwd() }, out, err };
}

describe('pj', () => {
  it('lists its commands on --help and refuses an unknown one', async () => {
    const help = io();
    expect(await runCli(['--help'], help.io)).toBe(0);
    for (const c of ['validate', 'check', 'diff', 'migrate', 'migrate-db', 'audit']) expect(help.out.join('')).toContain(c);
    const bad = io();
    expect(await runCli(['frobnicate'], bad.io)).toBe(2);
    expect(bad.err.join('')).toContain('unknown command "frobnicate"');
  });

  it('every command answers --help with exit 0', async () => {
    for (const c of ['validate', 'check', 'diff', 'migrate', 'migrate-db', 'audit', 'schema']) {
      const h = io();
      expect(await runCli([c, '--help'], h.io), c).toBe(0);
      expect(h.out.join(''), c).toMatch(/Usage:\s+pj /);
    }
  });

  it('migrate-db brings the configured database up to date, then says so', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pj-db-')), 'pj.db');
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `sqlite:${file}`;
    try {
      const first = io();
      expect(await runCli(['migrate-db'], first.io)).toBe(0);
      expect(first.out.join('')).toContain('applied: 001_foundation');
      const again = io();
      expect(await runCli(['migrate-db'], again.io)).toBe(0);
      expect(again.out.join('')).toBe('the database is up to date');
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
  });

  // The installed binary (built by `npm install`'s prepare step), as a user runs it.
  it('the built pj validates the example packs (exit 0) and reports a broken pack as file:line:col (exit 1)', () => {
    const cli = join(process.cwd(), 'dist/src/cli.js');
    expect(execFileSync(process.execPath, [cli, 'validate', 'policy-packs'], { encoding: 'utf8' })).toMatch(/3 packs valid/);
    const broken = spawnSync(process.execPath, [cli, 'validate', 'fixtures/packs/broken'], { encoding: 'utf8' });
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/^fixtures\/packs\/broken\/payments\.yml:6:3 unknown key "enforcment"/m);
  });
});
