// An in-memory, fully migrated store for tests and the offline CLI.
import { openDatabase } from '../../src/store/open.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Db } from '../../src/store/database.js';

export async function openMemoryDatabase(): Promise<Db> {
  const db = openDatabase(':memory:');
  await migrateToLatest(db);
  return db;
}
