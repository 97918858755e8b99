// Frozen once landed. The pack cache, shared by every replica: what a config-repo commit
// lists in its packs folder, and the pack files' text by blob. A replica that sees a new
// config head another replica has read already takes the listing and the files from here
// instead of asking GitHub again; each replica still asks GitHub for the head itself
// (a conditional request) and parses the files itself.
//  - pack_cache_trees: per (owner, repo, commit sha, packs folder): JSON
//    { truncated, folderExists, entries: [{ path, sha, size? }] } of the pack files.
//  - pack_cache_blobs: per (owner, blob sha): the file's UTF-8 text (keyed by owner too, so
//    one account's blobs never answer for another's).
// Both are immutable (a commit's tree and a blob never change): rows are only inserted.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pack_cache_trees')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('commit_sha', 'text', (c) => c.notNull())
    .addColumn('packs_dir', 'text', (c) => c.notNull())
    .addColumn('listing', 'text', (c) => c.notNull())
    .addColumn('cached_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pack_cache_trees_pk', ['owner', 'repo', 'commit_sha', 'packs_dir'])
    .execute();
  await db.schema
    .createTable('pack_cache_blobs')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('blob_sha', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('cached_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pack_cache_blobs_pk', ['owner', 'blob_sha'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pack_cache_blobs').execute();
  await db.schema.dropTable('pack_cache_trees').execute();
}
