// The installations table, kept current from installation and
// installation_repositories events.
import type { Db } from './database.js';
import { isPostgres } from './dialect.js';
import type { InstallationsTable } from './tables/foundation.js';

export interface InstallationFacts {
  id: number;
  accountLogin: string;
  accountType: string;
  status: InstallationsTable['status'];
  repositories?: string[];
}

export async function upsertInstallation(db: Db, facts: InstallationFacts, now: Date): Promise<void> {
  const repositories = JSON.stringify([...(facts.repositories ?? [])].sort());
  await db
    .insertInto('installations')
    .values({
      id: facts.id,
      account_login: facts.accountLogin,
      account_type: facts.accountType,
      status: facts.status,
      repositories,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        account_login: facts.accountLogin,
        account_type: facts.accountType,
        status: facts.status,
        // An event that lists no repositories (suspend, unsuspend) keeps the ones we know.
        ...(facts.repositories ? { repositories } : {}),
        updated_at: now.toISOString(),
      }),
    )
    .execute();
}

export async function changeInstallationRepositories(
  db: Db,
  id: number,
  change: { added: string[]; removed: string[] },
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // Postgres: the row stays locked until the update, so two changes at once both count.
    const row = await tx
      .selectFrom('installations')
      .select('repositories')
      .where('id', '=', id)
      .$if(isPostgres(db), (q) => q.forUpdate())
      .executeTakeFirst();
    const current = new Set<string>(row ? (JSON.parse(row.repositories) as string[]) : []);
    change.added.forEach((r) => current.add(r));
    change.removed.forEach((r) => current.delete(r));
    await tx
      .updateTable('installations')
      .set({ repositories: JSON.stringify([...current].sort()), updated_at: now.toISOString() })
      .where('id', '=', id)
      .execute();
  });
}

export async function getInstallation(db: Db, id: number) {
  const row = await db.selectFrom('installations').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? { ...row, repositories: JSON.parse(row.repositories) as string[] } : undefined;
}

export interface InstallationRepository {
  upsert(facts: InstallationFacts, now: Date): Promise<void>;
  changeRepositories(id: number, change: { added: string[]; removed: string[] }, now: Date): Promise<void>;
  /** The repositories we know of an installation; undefined when none are recorded. */
  repositories(id: number): Promise<string[] | undefined>;
}

export function sqlInstallationRepository(db: Db): InstallationRepository {
  return {
    upsert: (facts, now) => upsertInstallation(db, facts, now),
    changeRepositories: (id, change, now) => changeInstallationRepositories(db, id, change, now),
    async repositories(id) {
      const known = await getInstallation(db, id);
      return known && known.repositories.length > 0 ? known.repositories : undefined;
    },
  };
}
