// The control plane's test-run results, kept for their page in the database so that every
// replica can show them (migrations/014_admin_test_runs.ts). The view is stored as the
// JSON the control plane gave; expired rows are never returned and are pruned on write.
import type { Db } from './database.js';

export interface StoredTestRunRow {
  login: string;
  repo: string;
  /** The control plane's view of the run, as it was put. */
  view: unknown;
  /** Epoch ms. */
  expires: number;
}

export interface TestRunStore {
  put(id: string, run: StoredTestRunRow, now: Date): Promise<void>;
  get(id: string, now: Date): Promise<StoredTestRunRow | undefined>;
}

export function sqlTestRunStore(db: Db): TestRunStore {
  return {
    async put(id, run, now) {
      await db.deleteFrom('admin_test_runs').where('expires_at', '<', now.toISOString()).execute();
      await db
        .insertInto('admin_test_runs')
        .values({ id, login: run.login, repo: run.repo, view: JSON.stringify(run.view), expires_at: new Date(run.expires).toISOString() })
        .execute();
    },
    async get(id, now) {
      const row = await db.selectFrom('admin_test_runs').selectAll().where('id', '=', id).where('expires_at', '>=', now.toISOString()).executeTakeFirst();
      return row ? { login: row.login, repo: row.repo, view: JSON.parse(row.view) as unknown, expires: Date.parse(row.expires_at) } : undefined;
    },
  };
}
