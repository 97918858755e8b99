// An in-memory, fully migrated store for tests and the offline CLI.
import { openDatabase } from './open.js';
import { migrateToLatest } from './migrate.js';
import type { Db } from './database.js';

export async function openMemoryDatabase(): Promise<Db> {
  const db = openDatabase(':memory:');
  await migrateToLatest(db);
  return db;
}
