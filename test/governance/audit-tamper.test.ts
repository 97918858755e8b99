// Tampering with the audit log as someone with write access to the database would, each
// case checked through `pj audit verify` as an operator runs it.
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, openTestDatabase } from '../helpers/test-db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { sqlAuditEvents, type AuditRow } from '../../src/store/audit-events.js';
import { AuditLog, HASH_KEYED, HASH_PLAIN, rowHashInput } from '../../src/governance/audit.js';
import { sha256Hex } from '../../src/canonical.js';
import { runAudit } from '../../src/cli/audit.js';
import { Clock, tempDir } from './helpers.js';

export const KEY = 'pj-test-audit-key-6f1d0c9e2b7a4853a1c0ffee';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

interface Logged {
  level: 'info' | 'warn';
  obj: unknown;
  msg?: string;
}

/** A database (SQLite file, or Postgres in the postgres project) with `n` audit events written by the app, keyed when `key` is given. */
export async function writtenChain(options: { key?: string; n?: number; checkpointEvery?: number } = {}) {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const file = await freshDatabaseUrl();
  const clock = new Clock();
  const logged: Logged[] = [];
  const log = { info: (obj: unknown, msg?: string) => logged.push({ level: 'info', obj, msg }), warn: (obj: unknown, msg?: string) => logged.push({ level: 'warn', obj, msg }) };
  /** Appends `count` events as the app would, with or without a key. */
  /** `key`: null writes without a key. */
  const append = async (count: number, key: string | null | undefined = options.key) => {
    const db = openTestDatabase(file);
    await migrateToLatest(db);
    const audit = new AuditLog(sqlAuditEvents(db), { now: clock.now, log, ...(key ? { key } : {}), ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}) });
    for (let i = 0; i < count; i++) {
      clock.advance(60_000);
      await audit.append({ installationId: 1, actor: 'app', type: i % 2 ? 'decision' : 'evaluation', subject: { repo: 'acme/api', prNumber: 7 }, details: { n: i } });
    }
    await db.destroy();
  };
  await append(options.n ?? 5);
  /** `key`: null verifies without a key. */
  const verify = async (args: string[] = [], key: string | null | undefined = options.key) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAudit(['verify', ...args], { out: (s) => out.push(s), err: (s) => err.push(s), cwd: dir }, async () => openTestDatabase(file), { auditKey: key ?? undefined });
    return { code, out: out.join(''), err: err.join('') };
  };
  /** Runs raw SQL against the file, as an attacker with database access would. */
  const tamper = async (edit: (db: ReturnType<typeof openTestDatabase>) => Promise<unknown>) => {
    const db = openTestDatabase(file);
    await edit(db);
    await db.destroy();
  };
  const rows = async (): Promise<AuditRow[]> => {
    const db = openTestDatabase(file);
    const all = await sqlAuditEvents(db).page(0, 10_000);
    await db.destroy();
    return all;
  };
  /** The head `pj audit verify` printed: what an operator records outside the database. */
  const head = async (): Promise<string> => {
    const result = await verify();
    expect(result.code).toBe(0);
    return /^head (\S+)$/m.exec(result.out)![1]!;
  };
  return { file, dir, append, verify, tamper, rows, head, logged };
}

/** Rewrites rows from `fromId` on, each linked to the one before, with the hash the attacker can compute. */
async function rehashFrom(db: ReturnType<typeof openTestDatabase>, fromId: number, hashOf: (row: Omit<AuditRow, 'hash'>) => string, version?: number) {
  const all = await sqlAuditEvents(db).page(0, 10_000);
  let prev = all.find((r) => r.id === fromId - 1)?.hash ?? '';
  for (const row of all.filter((r) => r.id >= fromId)) {
    const next = { ...row, prevHash: prev, hashVersion: version ?? row.hashVersion };
    const hash = hashOf(next);
    // prev_hash is unique: clear it first so the rewrite never collides mid-way.
    await sql`update audit_events set prev_hash = ${`tmp-${row.id}`} where id = ${row.id}`.execute(db);
    await sql`update audit_events set prev_hash = ${prev}, hash = ${hash}, hash_version = ${next.hashVersion} where id = ${row.id}`.execute(db);
    prev = hash;
  }
}

const plainHash = (row: Omit<AuditRow, 'hash'>) => sha256Hex(rowHashInput(row));
const guessedKeyHash = (row: Omit<AuditRow, 'hash'>) => createHmac('sha256', 'a guessed key').update(rowHashInput(row)).digest('hex');

describe('audit chain under tampering', () => {
  it('rows deleted from the end: not visible in the chain itself, detected by --expect-head', async () => {
    for (const key of [KEY, undefined]) {
      const c = await writtenChain({ key });
      const recorded = await c.head();
      expect(recorded).toMatch(/^5:[0-9a-f]{64}$/);
      await c.tamper((db) => sql`delete from audit_events where id >= 4`.execute(db));
      // What remains is a valid chain: nothing inside the database says rows are missing.
      expect((await c.verify()).code).toBe(0);
      const anchored = await c.verify(['--expect-head', recorded]);
      expect(anchored.code).toBe(1);
      expect(anchored.err).toContain('audit chain broken at row 5: head — the chain has no row 5, the expected head: it ends at row 3 (rows were removed)');
    }
  });

  it('rows deleted from the end and new ones appended in their place: the expected head has another hash', async () => {
    const c = await writtenChain({ key: KEY });
    const recorded = await c.head();
    await c.tamper((db) => sql`delete from audit_events where id >= 4`.execute(db));
    await c.append(3);
    expect((await c.verify()).code).toBe(0);
    const anchored = await c.verify(['--expect-head', recorded]);
    expect(anchored.code).toBe(1);
    expect(anchored.err).toMatch(/broken at row 5 \(time .*, type \w+\): head — row 5 has hash [0-9a-f]{64}, expected [0-9a-f]{64}/);
    // An older anchor that is still intact holds, and the new head can be anchored again.
    expect((await c.verify(['--expect-head', `3:${(await c.rows())[2]!.hash}`])).code).toBe(0);
  });

  it('a forged row appended with a recomputed plain hash: detected with the key', async () => {
    const c = await writtenChain({ key: KEY });
    const last = (await c.rows()).at(-1)!;
    const forged = {
      id: 6,
      at: '2025-06-01T13:00:00.000Z',
      installationId: 1,
      actor: 'user:mallory',
      type: 'approval.approved',
      repo: 'acme/api',
      subject: '{"prNumber":7,"repo":"acme/api"}',
      details: '{"tier":"director"}',
      prevHash: last.hash,
    };
    const insert = (row: AuditRow) =>
      c.tamper((db) =>
        sql`insert into audit_events (id, at, installation_id, actor, type, repo, subject, details, prev_hash, hash, hash_version)
            values (${row.id}, ${row.at}, ${row.installationId}, ${row.actor}, ${row.type}, ${row.repo}, ${row.subject}, ${row.details}, ${row.prevHash}, ${row.hash}, ${row.hashVersion})`.execute(db),
      );
    const deleteForged = () => c.tamper((db) => sql`delete from audit_events where id = 6`.execute(db));

    // As a plain row: a downgrade after keyed rows.
    await insert({ ...forged, hashVersion: HASH_PLAIN, hash: plainHash({ ...forged, hashVersion: HASH_PLAIN }) });
    let result = await c.verify();
    expect(result.code).toBe(1);
    expect(result.err).toContain('broken at row 6 (time 2025-06-01T13:00:00.000Z, type approval.approved): hash_version — a plain (scheme 2) row after a keyed (scheme 3) row 5: a downgrade');
    await deleteForged();

    // Claiming to be keyed, with a plain sha256 or a guessed key: the HMAC does not match.
    for (const hashOf of [(r: Omit<AuditRow, 'hash'>) => plainHash(r), guessedKeyHash]) {
      await insert({ ...forged, hashVersion: HASH_KEYED, hash: hashOf({ ...forged, hashVersion: HASH_KEYED }) });
      result = await c.verify();
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/broken at row 6 .*: hash — hash does not match the row content with PJ_AUDIT_KEY/);
      await deleteForged();
    }
    expect((await c.verify()).code).toBe(0);
  });

  it('without a key, a forged plain row appended at the end verifies (the documented limit)', async () => {
    const c = await writtenChain();
    const last = (await c.rows()).at(-1)!;
    const forged = { ...last, id: 6, actor: 'user:mallory', prevHash: last.hash };
    await c.tamper((db) =>
      sql`insert into audit_events (id, at, installation_id, actor, type, repo, subject, details, prev_hash, hash, hash_version)
          values (6, ${forged.at}, 1, ${forged.actor}, ${forged.type}, ${forged.repo}, ${forged.subject}, ${forged.details}, ${forged.prevHash}, ${plainHash(forged)}, 2)`.execute(db),
    );
    expect((await c.verify()).code).toBe(0);
  });

  it('a row edited and every row after it re-hashed: detected with the key; without it, only by --expect-head', async () => {
    const edit = (db: ReturnType<typeof openTestDatabase>) => sql`update audit_events set details = ${'{"n":99}'} where id = 2`.execute(db);

    const keyed = await writtenChain({ key: KEY });
    // Re-hashed as plain rows: a downgrade at the edited row.
    await keyed.tamper(async (db) => {
      await edit(db);
      await rehashFrom(db, 2, plainHash, HASH_PLAIN);
    });
    let result = await keyed.verify();
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 2 .*: hash_version — a plain \(scheme 2\) row after a keyed \(scheme 3\) row 1/);
    // Re-hashed as keyed rows with anything but the key: the HMAC of the edited row fails.
    await keyed.tamper((db) => rehashFrom(db, 2, guessedKeyHash, HASH_KEYED));
    result = await keyed.verify();
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 2 .*: hash — hash does not match the row content with PJ_AUDIT_KEY/);

    const plain = await writtenChain();
    const recorded = await plain.head();
    await plain.tamper(async (db) => {
      await edit(db);
      await rehashFrom(db, 2, plainHash);
    });
    expect((await plain.verify()).code).toBe(0);
    result = await plain.verify(['--expect-head', recorded]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 5 .*: head — row 5 has hash/);
  });

  it('an edited repo column is detected, with and without the key', async () => {
    for (const key of [KEY, undefined]) {
      const c = await writtenChain({ key });
      await c.tamper((db) => sql`update audit_events set repo = ${'acme/other'} where id = 3`.execute(db));
      const result = await c.verify();
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/broken at row 3 .*: hash — /);
    }
  });

  it('renumbered rows and reordered rows are detected', async () => {
    const c = await writtenChain();
    await c.tamper((db) => sql`update audit_events set id = 10 where id = 5`.execute(db));
    let result = await c.verify();
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 10 .*: sequence — id does not follow row 4/);
    await c.tamper(async (db) => {
      await sql`update audit_events set id = 5 where id = 10`.execute(db);
      await sql`update audit_events set id = 20 where id = 2`.execute(db);
      await sql`update audit_events set id = 2 where id = 3`.execute(db);
      await sql`update audit_events set id = 3 where id = 20`.execute(db);
    });
    result = await c.verify();
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 2 .*: prev_hash/);
  });

  it('keyed rows replaced by plain ones from the start, or all removed, leave an unkeyed last row: detected with the key', async () => {
    const c = await writtenChain({ key: KEY });
    await c.tamper((db) => rehashFrom(db, 1, plainHash, HASH_PLAIN));
    const result = await c.verify();
    expect(result.code).toBe(1);
    expect(result.err).toContain('audit chain broken at row 5');
    expect(result.err).toMatch(/key — PJ_AUDIT_KEY is set but the last row is a plain \(scheme 2\)/);
    // Without the key the same chain looks intact: the key is what makes it evidence.
    expect((await c.verify([], null)).code).toBe(0);
  });

  it('keyed rows cannot be verified without the key, or with another key', async () => {
    const c = await writtenChain({ key: KEY });
    let result = await c.verify([], null);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 1 .*: key — the row is keyed \(HMAC\): set PJ_AUDIT_KEY/);
    result = await c.verify([], `${KEY}-rotated`);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 1 .*: hash — .*or the key is not the one it was written with/);
  });

  it('the app writing without the key after keyed rows warns, and verify names the first plain row', async () => {
    const c = await writtenChain({ key: KEY, n: 3 });
    await c.append(2, null);
    const warnings = c.logged.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/keyed up to row 3, but PJ_AUDIT_KEY is not set/);
    const result = await c.verify();
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/broken at row 4 .*: hash_version — a plain \(scheme 2\) row after a keyed \(scheme 3\) row 3/);
  });

  it('--expect-head takes SEQ:HASH, several times', async () => {
    const c = await writtenChain({ key: KEY });
    const all = await c.rows();
    const ok = await c.verify(['--expect-head', `2:${all[1]!.hash}`, `--expect-head=5:${all[4]!.hash}`]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/intact: 5 events \(5 keyed\); reaches row 2, row 5 as expected/);
    for (const bad of ['5', '5:abc', `x:${all[4]!.hash}`, `0:${all[4]!.hash}`]) {
      const result = await c.verify(['--expect-head', bad]);
      expect(result.code).toBe(2);
      expect(result.err).toContain('--expect-head needs SEQ:HASH');
    }
    expect((await c.verify(['--expect-head'])).code).toBe(2);
    const wrong = await c.verify(['--expect-head', `2:${all[2]!.hash}`]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/broken at row 2 .*: head — row 2 has hash/);
  });
});
