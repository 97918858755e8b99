// Rows written before migration 005 (hash scheme 1) keep verifying after it, and the
// first keyed row after them protects them too.
import { join } from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { freshDatabaseUrl, openTestDatabase } from '../helpers/test-db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { sqlAuditEvents } from '../../src/store/audit-events.js';
import { AuditLog, computeHash } from '../../src/governance/audit.js';
import { canonicalJson } from '../../src/canonical.js';
import { runAudit } from '../../src/cli/audit.js';
import { tempDir } from './helpers.js';

const KEY = 'pj-test-audit-key-legacy-0123456789abcdef';
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A database as the previous release left it: migrated to 004, audit rows hashed the old way. */
async function previousRelease() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const file = await freshDatabaseUrl();
  const db = openTestDatabase(file) as unknown as Kysely<any>;
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateTo('004_evaluations');
  expect(error).toBeUndefined();
  let prev = '';
  for (let i = 0; i < 3; i++) {
    const event = { at: `2025-05-0${i + 1}T10:00:00.000Z`, installationId: 1, actor: 'app', type: 'evaluation', subject: { repo: 'acme/api', prNumber: i }, details: { n: i } };
    // The previous release's append, verbatim: sha256(prev + canonical {at, installationId, actor, type, subject, details}); id by AUTOINCREMENT.
    const hash = computeHash(prev, event);
    await db
      .insertInto('audit_events')
      .values({ at: event.at, installation_id: 1, actor: 'app', type: 'evaluation', repo: 'acme/api', subject: canonicalJson(event.subject), details: canonicalJson(event.details), prev_hash: prev, hash })
      .execute();
    prev = hash;
  }
  await db.destroy();
  /** Opens and migrates, as the app and `pj audit` do. */
  const open = async () => {
    const db = openTestDatabase(file);
    await migrateToLatest(db);
    return db;
  };
  const verify = async (key?: string, args: string[] = []) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAudit(['verify', ...args], { out: (s) => out.push(s), err: (s) => err.push(s), cwd: dir }, open, { auditKey: key });
    return { code, out: out.join(''), err: err.join('') };
  };
  return { file, verify, open };
}

describe('audit rows of the previous release', () => {
  it('verify after the migration, followed by keyed rows', async () => {
    const r = await previousRelease();
    let result = await r.verify();
    expect(result.code).toBe(0);
    expect(result.out).toContain('audit chain intact: 3 events (3 legacy');

    const db = await r.open();
    const versions = await db.selectFrom('audit_events').select(['id', 'hash_version']).orderBy('id').execute();
    expect(versions).toEqual([1, 2, 3].map((id) => ({ id, hash_version: 1 })));
    const audit = new AuditLog(sqlAuditEvents(db), { key: KEY });
    const appended = await audit.appendMany([
      { actor: 'app', type: 'decision', subject: { repo: 'acme/api' } },
      { actor: 'app', type: 'decision', subject: { repo: 'acme/web' } },
    ]);
    expect(appended.map((e) => [e.id, e.hashVersion])).toEqual([
      [4, 3],
      [5, 3],
    ]);
    await db.destroy();

    result = await r.verify(KEY);
    expect(result.code).toBe(0);
    expect(result.out).toContain('audit chain intact: 5 events (2 keyed, 3 legacy');
    expect(result.out).toMatch(/^head 5:[0-9a-f]{64}$/m);
  });

  it('with a key set and only legacy rows, verify says no row is keyed yet', async () => {
    const r = await previousRelease();
    const result = await r.verify(KEY);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/row 3 .*: key — PJ_AUDIT_KEY is set but the last row is a legacy \(scheme 1\).*no row has been written with the key yet/);
  });

  it('an edited repo column of a legacy row is detected, though scheme 1 does not hash it', async () => {
    const r = await previousRelease();
    const db = await r.open();
    await sql`update audit_events set repo = ${'acme/other'} where id = 2`.execute(db);
    await db.destroy();
    const result = await r.verify();
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 2 .*: repo — repo column "acme\/other" is not the subject's repo/);
  });

  it('legacy rows edited and re-hashed the old way break the link of the first keyed row', async () => {
    const r = await previousRelease();
    const db = await r.open();
    await new AuditLog(sqlAuditEvents(db), { key: KEY }).append({ actor: 'app', type: 'decision' });
    // The attacker rewrites row 2 and re-hashes rows 2–3 with scheme 1, which needs no key.
    const rows = await db.selectFrom('audit_events').selectAll().orderBy('id').execute();
    let prev = rows[0]!.hash;
    for (const row of rows.slice(1, 3)) {
      const details = row.id === 2 ? { n: 99 } : JSON.parse(row.details);
      const hash = computeHash(prev, { at: row.at, installationId: row.installation_id, actor: row.actor, type: row.type, subject: JSON.parse(row.subject), details });
      await sql`update audit_events set prev_hash = ${`tmp-${row.id}`} where id = ${row.id}`.execute(db);
      await sql`update audit_events set details = ${canonicalJson(details)}, prev_hash = ${prev}, hash = ${hash} where id = ${row.id}`.execute(db);
      prev = hash;
    }
    await db.destroy();
    const result = await r.verify(KEY);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 4 .*: prev_hash — prev_hash does not equal the hash of row 3/);
  });
});
