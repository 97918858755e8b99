// Opens the store named by DATABASE_URL. SQLite (better-sqlite3, WAL) is the embedded
// default; Postgres is the seam for several replicas and is chosen by a postgres:// URL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database, Db } from './database.js';

export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** `./data/pj.db`, `sqlite:./data/pj.db`, `sqlite::memory:`, `:memory:` or `postgres://…`. */
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

export function openDatabase(url: string): Db {
  const location = parseDatabaseUrl(url);
  if (location.kind === 'postgres') {
    throw new Error('DATABASE_URL: Postgres is not supported in this build yet; use a SQLite file path');
  }
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: openSqlite(location.file) }) });
}
