// The pack cache in the database, so every replica shares it (migrations/013_pack_cache.ts):
// the pack files a config-repo commit lists, and their text by blob. github/pack-source.ts
// reads it before asking GitHub and fills it after; a commit's listing and a blob's text
// never change, so rows are only inserted (a concurrent insert of the same row is a no-op),
// and removed when no longer used (prunePackCache, from the background worker).
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

/** What one prune removed. */
export interface PackCachePruned {
  listings: number;
  blobs: number;
}

/**
 * Removes what the pack cache no longer serves (rows are otherwise never deleted). A config
 * repo's packs are always read at its head, so a commit's listing is used until a newer
 * commit of the same repo and folder is cached; it is removed once that newer listing is
 * older than `unusedSince` (it has not been used since). The newest listing of each repo
 * and folder stays, however old. A blob is removed once it was cached before `unusedSince`
 * and no listing left names it. Safe on every replica at once (deletes only); a row removed
 * while a replica still wanted it is read from GitHub again and re-cached.
 */
export async function prunePackCache(db: Db, unusedSince: Date): Promise<PackCachePruned> {
  const cutoff = unusedSince.toISOString();
  const listings = await db
    .deleteFrom('pack_cache_trees')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('pack_cache_trees as newer')
          .select('newer.commit_sha')
          .whereRef('newer.owner', '=', 'pack_cache_trees.owner')
          .whereRef('newer.repo', '=', 'pack_cache_trees.repo')
          .whereRef('newer.packs_dir', '=', 'pack_cache_trees.packs_dir')
          .whereRef('newer.cached_at', '>', 'pack_cache_trees.cached_at')
          .where('newer.cached_at', '<', cutoff),
      ),
    )
    .executeTakeFirst();
  // Blobs some listing still names (by owner, as blobs are keyed).
  const named = new Set<string>();
  for (const row of await db.selectFrom('pack_cache_trees').select(['owner', 'listing']).execute()) {
    const listing = JSON.parse(row.listing) as Partial<PackListing>;
    for (const e of listing.entries ?? []) named.add(`${row.owner}\n${e.sha}`);
  }
  const old = await db.selectFrom('pack_cache_blobs').select(['owner', 'blob_sha']).where('cached_at', '<', cutoff).execute();
  const unused = old.filter((b) => !named.has(`${b.owner}\n${b.blob_sha}`));
  let blobs = 0;
  const byOwner = new Map<string, string[]>();
  for (const b of unused) byOwner.set(b.owner, [...(byOwner.get(b.owner) ?? []), b.blob_sha]);
  for (const [owner, shas] of byOwner) {
    for (let i = 0; i < shas.length; i += BATCH) {
      const r = await db.deleteFrom('pack_cache_blobs').where('owner', '=', owner).where('blob_sha', 'in', shas.slice(i, i + BATCH)).where('cached_at', '<', cutoff).executeTakeFirst();
      blobs += Number(r.numDeletedRows);
    }
  }
  return { listings: Number(listings.numDeletedRows), blobs };
}
