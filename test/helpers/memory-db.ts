// A fresh, fully migrated store for tests: SQLite in memory, or — in the `postgres`
// vitest project — a new database on the test Postgres server (test-db.ts).
import { openFreshDatabase } from './test-db.js';
import type { Db } from '../../src/store/database.js';

export async function openMemoryDatabase(): Promise<Db> {
  return openFreshDatabase();
}
