// The migrations became dialect-aware (Postgres) after they had landed on SQLite
// databases; on SQLite they must still write exactly the schema they always wrote.
// sqlite-schema.json was recorded from migrations 001–005 as they were before
// migrations/dialect.ts existed; sqlite-schema-012.json from main's 001–012 when the
// postgres branch merged them (006, 007, 010, 011 and 012 were written for SQLite only, and
// made dialect-aware after). Each recording is compared with a database migrated to the same
// point, so a later migration does not change what is compared.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/open.js';
import { Migrator } from 'kysely';
import { migrations } from '../../migrations/index.js';

async function sqliteSchema(upTo: string): Promise<Array<{ type: string; name: string; tbl_name: string; sql: string | null }>> {
  const db = openDatabase(':memory:');
  try {
    const result = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo(upTo);
    if (result.error) throw result.error;
    const rows = await sql<{ type: string; name: string; tbl_name: string; sql: string | null }>`
      select type, name, tbl_name, sql from sqlite_master where name not like 'kysely_%' order by type, name`.execute(db);
    return rows.rows;
  } finally {
    await db.destroy();
  }
}

describe('SQLite schema', () => {
  it('is the schema migrations 001–005 wrote before they became dialect-aware', async () => {
    const recorded = JSON.parse(readFileSync(new URL('./sqlite-schema.json', import.meta.url), 'utf8')) as unknown[];
    expect(await sqliteSchema('005_audit_keyed')).toEqual(recorded);
  });

  it('is the schema migrations 001–012 wrote before 006–012 became dialect-aware', async () => {
    const recorded = JSON.parse(readFileSync(new URL('./sqlite-schema-012.json', import.meta.url), 'utf8')) as unknown[];
    expect(await sqliteSchema('012_admin_indexes')).toEqual(recorded);
  });
});
