// The pack cache in the database, so every replica shares it (migrations/013_pack_cache.ts):
// the pack files a config-repo commit lists, and their text by blob. github/pack-source.ts
// reads it before asking GitHub and fills it after; a commit's listing and a blob's text
// never change, so rows are only inserted (a concurrent insert of the same row is a no-op).
import type { ConfigCommit, PackListing, SharedPackCache } from '../github/pack-source.js';
import type { Db } from './database.js';

/** Rows per statement: well under both databases' bound-parameter limits. */
const BATCH = 200;

const key = (at: ConfigCommit) => ({ owner: at.owner.toLowerCase(), repo: at.repo.toLowerCase(), commit_sha: at.sha, packs_dir: at.packsDir });

/** The pack source's port (github/pack-source.ts SharedPackCache), over the database. */
export function sqlPackCache(db: Db): SharedPackCache {
  return {
    async listing(at) {
      const k = key(at);
      const row = await db
        .selectFrom('pack_cache_trees')
        .select('listing')
        .where('owner', '=', k.owner)
        .where('repo', '=', k.repo)
        .where('commit_sha', '=', k.commit_sha)
        .where('packs_dir', '=', k.packs_dir)
        .executeTakeFirst();
      return row ? (JSON.parse(row.listing) as PackListing) : undefined;
    },
    async putListing(at, listing, now) {
      await db
        .insertInto('pack_cache_trees')
        .values({ ...key(at), listing: JSON.stringify(listing), cached_at: now.toISOString() })
        .onConflict((oc) => oc.columns(['owner', 'repo', 'commit_sha', 'packs_dir']).doNothing())
        .execute();
    },
    async blobs(owner, shas) {
      const out = new Map<string, string>();
      const wanted = [...new Set(shas)];
      for (let i = 0; i < wanted.length; i += BATCH) {
        const rows = await db
          .selectFrom('pack_cache_blobs')
          .select(['blob_sha', 'content'])
          .where('owner', '=', owner.toLowerCase())
          .where('blob_sha', 'in', wanted.slice(i, i + BATCH))
          .execute();
        for (const r of rows) out.set(r.blob_sha, r.content);
      }
      return out;
    },
    async putBlobs(owner, blobs, now) {
      // Postgres text cannot hold NUL: such a file (never a valid pack) is simply not cached.
      const unique = new Map(blobs.filter((b) => !b.text.includes('\u0000')).map((b) => [b.sha, b.text]));
      const rows = [...unique]
        .map(([sha, text]) => ({ owner: owner.toLowerCase(), blob_sha: sha, content: text, cached_at: now.toISOString() }));
      for (let i = 0; i < rows.length; i += BATCH) {
        await db
          .insertInto('pack_cache_blobs')
          .values(rows.slice(i, i + BATCH))
          .onConflict((oc) => oc.columns(['owner', 'blob_sha']).doNothing())
          .execute();
      }
    },
  };
}
