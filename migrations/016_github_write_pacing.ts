// Frozen once landed: add a new numbered migration instead of editing this one.
// GitHub write pacing shared by every replica (issue 13): GitHub asks an integration to
// space its content-creating requests (about one a second, notifications further apart) per
// installation. Octokit's throttling plugin spaces them per process, so N replicas wrote N
// times as often; with this table each request takes the next free slot of its
// (group, installation) key with one atomic upsert (store/write-pacing.ts).
//  - github_write_slots: per key ("write:<installation>", "notifications:<installation>"),
//    next_at: the first instant (epoch milliseconds) no slot has been handed out for.
// Also the pack cache's prune (store/pack-cache.ts) finds old listings by
// (owner, repo, packs_dir, cached_at): that index is here.
import type { Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('github_write_slots')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('next_at', columnTypes(db).bigId, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pack_cache_trees_by_folder').on('pack_cache_trees').columns(['owner', 'repo', 'packs_dir', 'cached_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('pack_cache_trees_by_folder').execute();
  await db.schema.dropTable('github_write_slots').execute();
}
