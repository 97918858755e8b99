import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, openTestDatabase } from '../helpers/test-db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { AuditLog } from '../../src/governance/audit.js';
import { sqlAuditEvents } from '../../src/store/audit-events.js';
import { canonicalJson } from '../../src/canonical.js';
import { runAudit } from '../../src/cli/audit.js';
import { Clock, tempDir } from './helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function seeded() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const file = await freshDatabaseUrl();
  const db = openTestDatabase(file);
  await migrateToLatest(db);
  const clock = new Clock();
  const log = new AuditLog(sqlAuditEvents(db), { now: clock.now });
  const types = ['evaluation', 'decision', 'action.proposed', 'action.approved', 'action.dispatched'];
  for (const [i, type] of types.entries()) {
    clock.advance(60_000);
    await log.append({ installationId: 1, actor: 'app', type, subject: { repo: i < 3 ? 'acme/api' : 'acme/web', prNumber: i }, details: { n: i } });
  }
  await db.destroy();
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), cwd: dir } };
  };
  return { file, io, open: async () => openTestDatabase(file) };
}

describe('audit log', () => {
  it('canonical JSON sorts keys and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('verify passes on an intact chain', async () => {
    const s = await seeded();
    const { out, io } = s.io();
    expect(await runAudit(['verify'], io, s.open)).toBe(0);
    expect(out.join('')).toMatch(/intact: 5 events \(5 plain-hashed/);
    expect(out.join('')).toMatch(/^head 5:[0-9a-f]{64}$/m);
  });

  it('an edited row makes `pj audit verify` exit 1 naming it', async () => {
    const s = await seeded();
    const db = openTestDatabase(s.file);
    const row = await db.selectFrom('audit_events').selectAll().where('id', '=', 3).executeTakeFirstOrThrow();
    await sql`update audit_events set details = ${'{"n":99}'} where id = 3`.execute(db);
    await db.destroy();
    const { err, io } = s.io();
    expect(await runAudit(['verify'], io, s.open)).toBe(1);
    const message = err.join('');
    expect(message).toContain('row 3');
    expect(message).toContain(row.at);
    expect(message).toContain('action.proposed');
    expect(message).toMatch(/hash — .*edited/);
  });

  it('a deleted row breaks the link of the row after it (prev_hash)', async () => {
    const s = await seeded();
    const db = openTestDatabase(s.file);
    await sql`delete from audit_events where id = 2`.execute(db);
    await db.destroy();
    const { err, io } = s.io();
    expect(await runAudit(['verify'], io, s.open)).toBe(1);
    expect(err.join('')).toMatch(/row 3 .*type action\.proposed\): prev_hash/);
  });

  it('a row re-hashed to hide an edit still breaks the next link', async () => {
    const s = await seeded();
    const db = openTestDatabase(s.file);
    await sql`update audit_events set hash = ${'f'.repeat(64)} where id = 4`.execute(db);
    await db.destroy();
    const { err, io } = s.io();
    expect(await runAudit(['verify'], io, s.open)).toBe(1);
    expect(err.join('')).toMatch(/row 4/);
  });

  it('export prints JSON lines, filtered by --since and --repo', async () => {
    const s = await seeded();
    const all = s.io();
    expect(await runAudit(['export'], all.io, s.open)).toBe(0);
    const lines = all.out.join('').trim().split('\n').map((l) => JSON.parse(l) as { id: number; repo: string; at: string });
    expect(lines.map((l) => l.id)).toEqual([1, 2, 3, 4, 5]);
    const f = s.io();
    expect(await runAudit(['export', '--since', lines[1]!.at, '--repo', 'acme/api'], f.io, s.open)).toBe(0);
    expect(f.out.join('').trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([2, 3]);
    const help = s.io();
    expect(await runAudit(['--help'], help.io, s.open)).toBe(0);
    expect(help.out.join('')).toMatch(/pj audit verify/);
    const bad = s.io();
    expect(await runAudit(['export', '--bogus'], bad.io, s.open)).toBe(2);
  });

  it('concurrent appends over several connections keep one linear chain', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const file = await freshDatabaseUrl();
    const dbs = Array.from({ length: 4 }, () => openTestDatabase(file));
    await migrateToLatest(dbs[0]!);
    const logs = dbs.map((db) => new AuditLog(sqlAuditEvents(db)));
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => logs[i % logs.length]!.append({ actor: 'app', type: 't', details: { i } })),
    );
    expect(await logs[0]!.verify()).toMatchObject({ ok: true, count: 200, head: { sequence: 200 } });
    for (const db of dbs) await db.destroy();
  });
});
