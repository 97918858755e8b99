// pack_versions: every version of every pack an installation has committed, first seen when.
// (The GitHub pack source records through it: github/pack-source.ts PackVersionRecorder.)
import type { Db } from './database.js';
import { canonicalJson } from '../packs/hash.js';
import type { ValidPack } from '../packs/types.js';

export interface PackVersionRow {
  installationId: number;
  packId: string;
  versionHash: string;
  sourceFile: string;
  configRepoSha: string;
  content: string;
  firstSeenAt: string;
}

export class PackVersionsRepo {
  constructor(private readonly db: Db) {}

  /** Records each pack version; a version already seen keeps its first sighting. Returns how many were new. */
  async record(installationId: number, configRepoSha: string, packs: readonly ValidPack[], now: Date): Promise<number> {
    if (packs.length === 0) return 0;
    const rows = packs.map((p) => ({
      installation_id: installationId,
      pack_id: p.pack.id,
      version_hash: p.versionHash,
      source_file: p.file,
      config_repo_sha: configRepoSha,
      content: canonicalJson(p.pack),
      first_seen_at: now.toISOString(),
    }));
    const result = await this.db
      .insertInto('pack_versions')
      .values(rows)
      .onConflict((oc) => oc.columns(['installation_id', 'pack_id', 'version_hash']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  async list(installationId: number, packId?: string): Promise<PackVersionRow[]> {
    let q = this.db.selectFrom('pack_versions').selectAll().where('installation_id', '=', installationId);
    if (packId !== undefined) q = q.where('pack_id', '=', packId);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({
      installationId: r.installation_id,
      packId: r.pack_id,
      versionHash: r.version_hash,
      sourceFile: r.source_file,
      configRepoSha: r.config_repo_sha,
      content: r.content,
      firstSeenAt: r.first_seen_at,
    }));
  }

  async find(installationId: number, packId: string, versionHash: string): Promise<PackVersionRow | undefined> {
    const rows = await this.list(installationId, packId);
    return rows.find((r) => r.versionHash === versionHash);
  }
}
