// The store on the database of the project it runs in: these run on SQLite and again on
// Postgres (vitest projects), and check that the project really is on the database it
// names, so a misconfiguration cannot quietly run SQLite twice.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { isPostgres, isUniqueViolation } from '../../src/store/dialect.js';
import { parseDatabaseUrl } from '../../src/store/open.js';
import { loadSettings } from '../../src/config.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { freshDatabaseUrl, openFreshDatabase, openTestDatabase, testDbKind } from '../helpers/test-db.js';
import type { Db } from '../../src/store/database.js';

const dbs: Db[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.destroy().catch(() => undefined);
});

describe(`the store on ${testDbKind()}`, () => {
  it('runs on the database the project names', async () => {
    const db = await openFreshDatabase();
    dbs.push(db);
    expect(isPostgres(db)).toBe(testDbKind() === 'postgres');
    if (testDbKind() === 'postgres') {
      const { rows } = await sql<{ v: string }>`select version() as v`.execute(db);
      expect(rows[0]!.v).toMatch(/^PostgreSQL/);
    }
  });

  it('holds GitHub ids past 2^31 and reads them back as numbers', async () => {
    const db = await openFreshDatabase();
    dbs.push(db);
    const big = 9_007_199_254_740_991; // Number.MAX_SAFE_INTEGER: check run ids are past 2^32 already
    await db
      .insertInto('check_runs')
      .values({ installation_id: 3_000_000_000, repo: 'acme/api', head_sha: 'a'.repeat(40), name: 'contracts', check_run_id: big, updated_at: '2026-01-01T00:00:00.000Z' })
      .execute();
    const row = await db.selectFrom('check_runs').selectAll().executeTakeFirstOrThrow();
    expect(row.check_run_id).toBe(big);
    expect(row.installation_id).toBe(3_000_000_000);
    const count = await db.selectFrom('check_runs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('generates surrogate keys, and takes the ids the audit log gives itself', async () => {
    const db = await openFreshDatabase();
    dbs.push(db);
    const row = (n: number) => ({
      id: n, at: '2026-01-01T00:00:00.000Z', installation_id: 1, actor: 'a', type: 't', repo: null, subject: '{}', details: '{}', prev_hash: `p${n}`, hash: `h${n}`, hash_version: 2,
    });
    await db.insertInto('audit_events').values([row(1), row(2)]).execute();
    const ids = await db.selectFrom('audit_events').select('id').orderBy('id').execute();
    expect(ids.map((r) => r.id)).toEqual([1, 2]);
    const pv = await db
      .insertInto('pack_versions')
      .values({ installation_id: 1, pack_id: 'p', version_hash: 'v', source_file: 'f', config_repo_sha: 's', content: '{}', first_seen_at: 'now' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(typeof pv.id).toBe('number');
  });

  it('recognises a unique violation on this database, and nothing else as one', async () => {
    const db = await openFreshDatabase();
    dbs.push(db);
    const values = { delivery_id: 'd1', event: 'push', action: null, installation_id: 1, status: 'done' as const, error: null, received_at: 'now', finished_at: null };
    await db.insertInto('webhook_deliveries').values(values).execute();
    const duplicate = await db.insertInto('webhook_deliveries').values(values).execute().catch((e: unknown) => e);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const notNull = await db.insertInto('webhook_deliveries').values({ ...values, delivery_id: 'd2', event: null as unknown as string }).execute().catch((e: unknown) => e);
    expect(notNull).toBeInstanceOf(Error);
    expect(isUniqueViolation(notNull)).toBe(false);
  });

  it('two processes migrating one new database together: one applies every migration, the other finds none to apply', async () => {
    const url = await freshDatabaseUrl();
    let applied: string[][];
    if (testDbKind() === 'postgres') {
      // Two pools are two sessions: the advisory lock makes them take turns.
      const a = openTestDatabase(url);
      const b = openTestDatabase(url);
      dbs.push(a, b);
      applied = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
    } else {
      // better-sqlite3 waits for a lock synchronously, so two connections in one process
      // would wait on each other: two real processes, `pj migrate-db` each (the built CLI).
      const cli = join(process.cwd(), 'dist/src/cli.js');
      const run = () =>
        new Promise<string>((resolve, reject) =>
          execFile(process.execPath, [cli, 'migrate-db'], { env: { ...process.env, DATABASE_URL: url } }, (error, stdout, stderr) =>
            error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
          ),
        );
      const outputs = await Promise.all([run(), run()]);
      applied = outputs.map((out) => (/^applied: (.*)$/m.exec(out)?.[1]?.split(', ') ?? []));
    }
    applied.sort((x, y) => y.length - x.length);
    expect(applied[0]!.length).toBeGreaterThanOrEqual(5);
    expect(applied[1]).toEqual([]);
    const db = openTestDatabase(url);
    dbs.push(db);
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('settings: PJ_DB_POOL_SIZE (default 10, a positive integer) and a DATABASE_URL of a scheme the store does not speak', () => {
    expect(loadSettings({}).dbPoolSize).toBe(10);
    expect(loadSettings({ DATABASE_URL: 'postgres://db/pj', PJ_DB_POOL_SIZE: '25' })).toMatchObject({ databaseUrl: 'postgres://db/pj', dbPoolSize: 25 });
    expect(() => loadSettings({ PJ_DB_POOL_SIZE: '0' })).toThrow(/invalid setting PJ_DB_POOL_SIZE/);
    expect(() => loadSettings({ PJ_DB_POOL_SIZE: 'ten' })).toThrow(/invalid setting PJ_DB_POOL_SIZE/);
    expect(() => loadSettings({ DATABASE_URL: 'mysql://db/pj' })).toThrow(/invalid setting DATABASE_URL: must be a SQLite file path, a sqlite: URL or a postgres:\/\/ URL/);
  });

  it('parses DATABASE_URL into the dialect it names', () => {
    expect(parseDatabaseUrl('postgres://u:p@db:5432/pj')).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/pj' });
    expect(parseDatabaseUrl('postgresql://db/pj').kind).toBe('postgres');
    expect(parseDatabaseUrl('sqlite:./data/pj.db')).toEqual({ kind: 'sqlite', file: './data/pj.db' });
    expect(parseDatabaseUrl('./data/pj.db')).toEqual({ kind: 'sqlite', file: './data/pj.db' });
    expect(() => parseDatabaseUrl('mysql://db/pj')).toThrow(/not supported/);
  });
});
