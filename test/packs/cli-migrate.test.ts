import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMigrate } from '../../src/cli/migrate.js';
import { runValidate, type CliIo } from '../../src/cli/validate.js';

function io(cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), cwd };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

const CP = join(process.cwd(), 'fixtures/legacy/contract-packs.json');
const DP = join(process.cwd(), 'fixtures/legacy/drift-plans.json');

describe('pj migrate', () => {
  it('writes one valid pack per record, and --rollback gives the exports back unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pj-migrate-'));
    const a = io();
    expect(await runMigrate(['--contract-packs', CP, '--drift-plans', DP, '--out', join(dir, 'packs')], a.io)).toBe(0);
    const files = readdirSync(join(dir, 'packs')).sort();
    expect(files).toEqual([
      'developer-portal-readme.yml',
      'infrastructure-docs-coupling.yml',
      'payments-api-contracts.yml',
      'payments-runbook.yml',
      'placeholder.yml',
      'retired-org-wide-plan.yml',
    ]);
    for (const f of files) {
      const text = readFileSync(join(dir, 'packs', f), 'utf8');
      expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=\S+policy-pack\.schema\.json$/);
    }
    expect(a.err()).toContain('service scopes need entries in services.yml next to the packs: payment-service');

    // With the service catalog the migrated folder validates as a whole.
    writeFileSync(join(dir, 'packs', 'services.yml'), 'payment-service:\n  repos: [acme/payment-api]\n');
    const v = io(dir);
    expect(await runValidate(['packs'], v.io)).toBe(0);

    const b = io();
    expect(await runMigrate(['--rollback', join(dir, 'packs'), '--out', join(dir, 'back.json')], b.io)).toBe(0);
    const back = JSON.parse(readFileSync(join(dir, 'back.json'), 'utf8'));
    const byId = (xs: Array<{ id: string }>) => [...xs].sort((x, y) => x.id.localeCompare(y.id));
    expect(byId(back.contractPacks)).toEqual(byId(JSON.parse(readFileSync(CP, 'utf8'))));
    expect(byId(back.driftPlans)).toEqual(byId(JSON.parse(readFileSync(DP, 'utf8'))));
  });

  it('refuses to overwrite without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pj-migrate-'));
    expect(await runMigrate(['--contract-packs', CP, '--out', dir], io().io)).toBe(0);
    const again = io();
    expect(await runMigrate(['--contract-packs', CP, '--out', dir], again.io)).toBe(1);
    expect(again.err()).toContain('exists; not overwritten (use --force)');
    expect(await runMigrate(['--contract-packs', CP, '--out', dir, '--force'], io().io)).toBe(0);
  });

  it('reports migrated packs that do not validate (unknown legacy comparator types), exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pj-migrate-'));
    const input = join(dir, 'cp.json');
    const record = JSON.parse(readFileSync(CP, 'utf8'))[2];
    record.contracts = [{ contractId: 'x', invariants: [{ invariantId: 'y', comparatorType: 'graphql_schema_diff', severity: 'high' }] }];
    writeFileSync(input, JSON.stringify({ contractPacks: [record] }));
    const t = io(dir);
    expect(await runMigrate(['--contract-packs', 'cp.json', '--out', 'out'], t.io)).toBe(1);
    expect(t.out()).toContain('wrote out/placeholder.yml (invalid: fix before committing)');
    expect(t.out()).toMatch(/out\/placeholder\.yml:\d+:\d+ trackA\.comparators\[0\]\.type: unknown comparator type "graphql_schema_diff"/);
  });

  it('usage: --help 0, missing --out or inputs 2, unreadable input 2', async () => {
    const h = io();
    expect(await runMigrate(['--help'], h.io)).toBe(0);
    expect(h.out()).toContain('pj migrate --rollback DIR --out F.json');
    expect(await runMigrate(['--contract-packs', CP], io().io)).toBe(2);
    expect(await runMigrate(['--out', '/tmp/x'], io().io)).toBe(2);
    const bad = io();
    expect(await runMigrate(['--drift-plans', 'no-such.json', '--out', '/tmp/x'], bad.io)).toBe(2);
    expect(bad.err()).toContain('no-such.json');
    expect(await runMigrate(['--rollback', 'no/such/dir', '--out', '/tmp/x.json'], io().io)).toBe(2);
  });

  it('the default $schema reference points at a policy-pack.schema.json that exists', async () => {
    const schemaOf = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').split('\n')[0]!.replace(/^# yaml-language-server: \$schema=/, '');
    const cases: Array<{ cwd: string; copy: boolean }> = [
      { cwd: process.cwd(), copy: false }, // the repo's policy-packs/ copy
      { cwd: mkdtempSync(join(tmpdir(), 'pj-cwd-')), copy: false }, // the one shipped with pj
      { cwd: mkdtempSync(join(tmpdir(), 'pj-cwd-')), copy: true }, // a copy next to the packs
    ];
    for (const { cwd, copy } of cases) {
      const out = join(mkdtempSync(join(tmpdir(), 'pj-migrate-')), 'packs');
      if (copy) {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'policy-pack.schema.json'), '{}');
      }
      const a = io(cwd);
      expect(await runMigrate(['--contract-packs', CP, '--out', out], a.io)).toBe(0);
      const file = readdirSync(out).find((f) => f.endsWith('.yml'))!;
      const ref = schemaOf(out, file);
      expect(existsSync(resolve(out, ref)), `${ref} from ${out}`).toBe(true);
      expect(ref).toMatch(/policy-pack\.schema\.json$/);
      if (copy) expect(ref).toBe('./policy-pack.schema.json');
      else expect(resolve(out, ref)).toBe(resolve(process.cwd(), 'policy-packs/policy-pack.schema.json'));
    }
  });
});
