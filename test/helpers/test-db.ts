// The database a test runs on: SQLite (the `sqlite` vitest project, and any test run
// outside the projects) or a real Postgres (the `postgres` project: PJ_TEST_DB=postgres,
// a server started by postgres-global-setup.ts). Suites open their databases through
// these helpers, so the same test runs on both.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type OpenOptions } from '../../src/store/open.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Db } from '../../src/store/database.js';

export type TestDbKind = 'sqlite' | 'postgres';

export function testDbKind(): TestDbKind {
  return process.env.PJ_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
}

/** Why the postgres variants cannot run here ('' when they can, or on SQLite). */
export function postgresUnavailable(): string {
  return testDbKind() === 'postgres' ? inject('pgUnavailable') : '';
}

let admin: pg.Pool | undefined;
let counter = 0;
const opened: Db[] = [];

/**
 * The URL of a new, empty database nobody else uses: a SQLite file in a fresh temporary
 * folder, or a new database on the test Postgres server. Open it as many times as the
 * test needs (several connections = several replicas).
 */
export async function freshDatabaseUrl(): Promise<string> {
  if (testDbKind() === 'sqlite') return join(mkdtempSync(join(tmpdir(), 'pj-db-')), 'pj.db');
  const adminUrl = inject('pgAdminUrl');
  if (!adminUrl) throw new Error(`no Postgres server for the tests: ${inject('pgUnavailable')}`);
  admin ??= new pg.Pool({ connectionString: adminUrl, max: 2, idleTimeoutMillis: 1000 });
  const name = `pj_${process.pid}_${++counter}`;
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Opens a database by URL for a test; the postgres project closes every one after the file. */
export function openTestDatabase(url: string, options: OpenOptions = {}): Db {
  const db = openDatabase(url, testDbKind() === 'postgres' ? { poolSize: 5, idleTimeoutMs: 1000, ...options } : options);
  if (testDbKind() === 'postgres') opened.push(db);
  return db;
}

/**
 * `n` connections to one new, migrated database: `n` replicas of the app on one store (on
 * SQLite, one WAL file). The caller destroys them (the postgres project also closes them
 * after the file).
 */
export async function openReplicas(n: number, options: OpenOptions = {}): Promise<Db[]> {
  const url = await freshDatabaseUrl();
  const dbs = Array.from({ length: n }, () => openTestDatabase(url, options));
  await migrateToLatest(dbs[0]!);
  return dbs;
}

/**
 * A fresh, fully migrated database: SQLite in memory, or a new Postgres database in the
 * `postgres` project.
 */
export async function openFreshDatabase(): Promise<Db> {
  const db = testDbKind() === 'sqlite' ? openDatabase(':memory:') : openTestDatabase(await freshDatabaseUrl());
  await migrateToLatest(db);
  return db;
}

/** Closes what the file opened (postgres-setup.ts calls it after each file). */
export async function closeTestDatabases(): Promise<void> {
  for (const db of opened.splice(0)) await db.destroy().catch(() => undefined);
  await admin?.end().catch(() => undefined);
  admin = undefined;
}
