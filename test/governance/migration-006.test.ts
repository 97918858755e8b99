// migrations/006: a database of the previous release (evaluations keyed by repo and head)
// keeps its evaluations, now per PR, knows each PR's head, and its chains are marked as
// made before binding (so the next evaluation starts them again, fail closed).
import { Migrator, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { freshDatabaseUrl, openTestDatabase } from '../helpers/test-db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { sqlEvaluationRepository } from '../../src/store/evaluations.js';
import { sqlChainRepository } from '../../src/store/chains.js';
import type { Db } from '../../src/store/database.js';

const evaluation = (headSha: string) => JSON.stringify({ repo: 'acme/api', baseSha: 'b', headSha, packs: [], invalidPacks: [], blocks: false, notes: [] });

describe('migration 006: evaluations per pull request', () => {
  it('carries the previous rows over, records each PR at its newest evaluated head, and migrates down again', async () => {
    const db = openTestDatabase(await freshDatabaseUrl()) as unknown as Kysely<any>; // SQLite or Postgres (the project's)
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('005_audit_keyed')).error).toBeUndefined();
    const row = (pr: number, head: string, at: string) => ({ installation_id: 1, repo: 'acme/api', head_sha: head, pr_number: pr, evaluation: evaluation(head), approvals_check: 1, gate: 'gate', evaluated_at: at });
    await db.insertInto('contract_evaluations').values([row(7, 'a'.repeat(40), '2026-01-01T00:00:00Z'), row(7, 'c'.repeat(40), '2026-01-02T00:00:00Z'), row(9, 'd'.repeat(40), '2026-01-01T00:00:00Z')]).execute();
    await db
      .insertInto('approval_chains')
      .values({ key: 'acme/api#7@c', repo: 'acme/api', pr_number: 7, head_sha: 'c'.repeat(40), last_head_sha: 'c'.repeat(40), severity: 'high', status: 'approved', pr_author: 'x', tiers: '{}', options: '{}', template_hash: 't', created_at: 'x', updated_at: 'x' })
      .execute();

    await migrateToLatest(db);
    const evaluations = sqlEvaluationRepository(db as Db);
    expect(await evaluations.load('acme/api', 7, 'a'.repeat(40))).toMatchObject({ prNumber: 7, mode: 'gate', withApprovalsCheck: true });
    expect((await evaluations.load('acme/api', 7, 'a'.repeat(40)))?.base).toBeUndefined();
    expect(await evaluations.headOf('acme/api', 7)).toEqual({ headSha: 'c'.repeat(40), open: true });
    expect(await evaluations.headOf('acme/api', 9)).toEqual({ headSha: 'd'.repeat(40), open: true });
    expect((await evaluations.openOnHead('acme/api', 'a'.repeat(40))).map((e) => e.prNumber)).toEqual([]); // PR 7 has moved on
    expect((await evaluations.openOnHead('acme/api', 'c'.repeat(40))).map((e) => e.prNumber)).toEqual([7]);
    const [chain] = await sqlChainRepository(db as Db).forPr('acme/api', 7);
    expect(chain).toMatchObject({ base: null, findings: null });

    // Two PRs at one head now keep one evaluation each.
    await evaluations.save(1, 9, JSON.parse(evaluation('c'.repeat(40))), { withApprovalsCheck: false, mode: 'advisory', base: 'tmp' }, new Date('2026-01-03T00:00:00Z'));
    await evaluations.moveHead(1, 'acme/api', 9, 'c'.repeat(40), new Date('2026-01-03T00:00:00Z'));
    expect((await evaluations.openOnHead('acme/api', 'c'.repeat(40))).map((e) => [e.prNumber, e.base ?? null])).toEqual([[7, null], [9, 'tmp']]);
    expect(await evaluations.close('acme/api', 7, new Date())).toBe('c'.repeat(40));
    expect((await evaluations.openOnHead('acme/api', 'c'.repeat(40))).map((e) => e.prNumber)).toEqual([9]);

    const down = await migrator.migrateTo('005_audit_keyed');
    expect(down.error).toBeUndefined();
    const back = await db.selectFrom('contract_evaluations').select(['pr_number', 'head_sha']).orderBy('head_sha').execute();
    expect(back).toHaveLength(3); // one row per head again
    await db.destroy();
  });
});
