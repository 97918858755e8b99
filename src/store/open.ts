// Opens the store named by DATABASE_URL. SQLite (better-sqlite3, WAL) is the embedded
// default; Postgres (over `pg`, a pool per process) is chosen by a postgres:// URL and is
// the database for several replicas.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type DatabaseConnection, type Driver, type QueryCompiler, type TransactionSettings } from 'kysely';
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
  return new Kysely<Database>({ dialect: new FileSerialSqliteDialect(location.file, { database: openSqlite(location.file) }) });
}

/**
 * better-sqlite3 is synchronous: a connection waiting for SQLite's write lock blocks the
 * whole thread (busy_timeout). Two connections to one file in one process (the tests'
 * replicas on SQLite, a control-plane command beside the app) would then deadlock as
 * soon as one holds a write transaction across an await (a change and its audit append
 * share one): the other blocks the thread the first needs to commit. So every connection
 * a process opens on one file takes its turn through one queue, as the statements of one
 * connection already do; other processes still wait through busy_timeout. `:memory:` is
 * a database per connection and needs no queue.
 */
class FileSerialSqliteDialect extends SqliteDialect {
  constructor(
    private readonly file: string,
    config: ConstructorParameters<typeof SqliteDialect>[0],
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const inner = super.createDriver();
    return this.file === ':memory:' ? inner : new QueuedDriver(inner, resolve(this.file));
  }
}

/** A FIFO lock per SQLite file, shared by every connection of this process to it. */
const fileQueues = new Map<string, { users: number; tail: Promise<void> }>();

class QueuedDriver implements Driver {
  private release: (() => void) | undefined;

  constructor(
    private readonly inner: Driver,
    private readonly file: string,
  ) {}

  async init(): Promise<void> {
    const queue = fileQueues.get(this.file) ?? { users: 0, tail: Promise.resolve() };
    queue.users++;
    fileQueues.set(this.file, queue);
    await this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const queue = fileQueues.get(this.file)!;
    const previous = queue.tail;
    let release!: () => void;
    queue.tail = new Promise<void>((done) => (release = done));
    await previous;
    try {
      const connection = await this.inner.acquireConnection();
      this.release = release;
      return connection;
    } catch (error) {
      release();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.release;
    this.release = undefined;
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      release?.();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.savepoint!(connection, name, compile);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.rollbackToSavepoint!(connection, name, compile);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.releaseSavepoint!(connection, name, compile);
  }

  async destroy(): Promise<void> {
    const queue = fileQueues.get(this.file);
    if (queue && --queue.users === 0) fileQueues.delete(this.file);
    await this.inner.destroy();
  }
}
