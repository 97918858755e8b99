// Opens the store named by DATABASE_URL. SQLite (better-sqlite3, WAL) is the embedded
// default; Postgres (over `pg`, a pool per process) is chosen by a postgres:// URL and is
// the database for several replicas.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './database.js';

export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** `./data/pj.db`, `sqlite:./data/pj.db`, `sqlite::memory:`, `:memory:` or `postgres://…` / `postgresql://…`. */
export function parseDatabaseUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url;
  if (file.length === 0) throw new Error('DATABASE_URL names no SQLite file');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) throw new Error(`DATABASE_URL scheme is not supported: ${url}`);
  return { kind: 'sqlite', file };
}

export function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  return sqlite;
}

export interface OpenOptions {
  /** Postgres: connections in this process's pool (PJ_DB_POOL_SIZE). Ignored by SQLite. */
  poolSize?: number;
  /** Postgres: close a connection idle this long (ms). */
  idleTimeoutMs?: number;
}

export const DEFAULT_POOL_SIZE = 10;

const INT8_OID = 20;

/**
 * bigint columns (GitHub ids, surrogate keys, count(*)) come back as JS numbers, as
 * SQLite's integers do; a value a number cannot hold exactly is an error, never rounded.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`database integer ${text} is beyond JavaScript's safe range`);
  return n;
}

const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export function openPostgresPool(url: string, options: OpenOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    types: pgTypes,
  });
  // An idle connection the server dropped (restart, failover) must not crash the process:
  // the pool discards it and the next query opens a new one.
  pool.on('error', () => undefined);
  return pool;
}

export function openDatabase(url: string, options: OpenOptions = {}): Db {
  const location = parseDatabaseUrl(url);
  if (location.kind === 'postgres') {
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool: openPostgresPool(location.url, options) }) });
  }
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: openSqlite(location.file) }) });
}
