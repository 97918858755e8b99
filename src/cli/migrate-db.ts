// `pj migrate-db`: brings the database named by DATABASE_URL up to date.
import { loadSettings } from '../config.js';
import { openDatabase } from '../store/open.js';
import { migrateToLatest } from '../store/migrate.js';
import type { Db } from '../store/database.js';

const HELP = `Usage: pj migrate-db

Runs the pending migrations on the database named by DATABASE_URL
(default ./data/puddlejumper.db; postgres://… for Postgres). The app also does this
at start. On Postgres the run holds an advisory lock, so a deploy may run it while
replicas start: they take turns, and each migration is applied once.
`;

export async function openConfiguredDatabase(): Promise<Db> {
  const settings = loadSettings();
  const db = openDatabase(settings.databaseUrl, { poolSize: settings.dbPoolSize });
  await migrateToLatest(db);
  return db;
}

export async function runMigrateDb(argv: string[], io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(HELP);
    return 0;
  }
  if (argv.length > 0) {
    io.err(`pj migrate-db: unexpected argument "${argv[0]}"\n\n${HELP}`);
    return 2;
  }
  const db = openDatabase(loadSettings().databaseUrl, { poolSize: 1 });
  try {
    const applied = await migrateToLatest(db);
    io.out(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    return 0;
  } finally {
    await db.destroy();
  }
}
