// The ids of the check runs PuddleJumper created, per (installation, repo, head sha, name),
// so an update costs one request instead of a lookup first.
import type { Db } from './database.js';

export interface CheckRunKey {
  installationId: number;
  repo: string;
  headSha: string;
  name: string;
}

export interface CheckRunIds {
  get(key: CheckRunKey): Promise<number | undefined>;
  set(key: CheckRunKey, checkRunId: number, now: Date): Promise<void>;
}

export function sqlCheckRunIds(db: Db): CheckRunIds {
  return {
    async get(k) {
      const row = await db
        .selectFrom('check_runs')
        .select('check_run_id')
        .where('installation_id', '=', k.installationId)
        .where('repo', '=', k.repo)
        .where('head_sha', '=', k.headSha)
        .where('name', '=', k.name)
        .executeTakeFirst();
      return row?.check_run_id;
    },
    async set(k, checkRunId, now) {
      const at = now.toISOString();
      await db
        .insertInto('check_runs')
        .values({ installation_id: k.installationId, repo: k.repo, head_sha: k.headSha, name: k.name, check_run_id: checkRunId, updated_at: at })
        .onConflict((oc) => oc.columns(['installation_id', 'repo', 'head_sha', 'name']).doUpdateSet({ check_run_id: checkRunId, updated_at: at }))
        .execute();
    },
  };
}
