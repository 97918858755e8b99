// The pack cache every replica shares (migrations/013_pack_cache.ts). Rows are immutable.

export interface PackCacheTreesTable {
  owner: string;
  repo: string;
  commit_sha: string;
  packs_dir: string;
  /** JSON PackListing (store/pack-cache.ts). */
  listing: string;
  cached_at: string;
}

export interface PackCacheBlobsTable {
  owner: string;
  blob_sha: string;
  content: string;
  cached_at: string;
}

export interface PackCacheTables {
  pack_cache_trees: PackCacheTreesTable;
  pack_cache_blobs: PackCacheBlobsTable;
}
