// The control plane's test-run results in the database (store/admin-test-runs.ts): put by
// the replica that ran the test, read by whichever replica the redirect reaches. On the
// project's database, each replica with its own connections.
import { describe, expect, it } from 'vitest';
import { sqlTestRunStore } from '../../src/store/admin-test-runs.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { freshDatabaseUrl, openTestDatabase } from '../helpers/test-db.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const view = { pack: { id: 'payments', file: 'policy-packs/payments.yml', valid: true, errors: [] }, prs: [{ number: 7, headSha: 'a'.repeat(40), applies: true, findings: [], wouldBlock: false, chain: [] }] };

describe('test-run results shared by replicas', () => {
  it('a run put by one replica is read by another until it expires, then by none; expired rows are pruned', async () => {
    const url = await freshDatabaseUrl();
    const a = openTestDatabase(url);
    const b = openTestDatabase(url);
    await migrateToLatest(a);
    const [ran, shows] = [sqlTestRunStore(a), sqlTestRunStore(b)];
    await ran.put('run-1', { login: 'alice', repo: 'acme/api', view, expires: NOW.getTime() + 3600_000 }, NOW);
    expect(await shows.get('run-1', new Date(NOW.getTime() + 60_000))).toEqual({ login: 'alice', repo: 'acme/api', view, expires: NOW.getTime() + 3600_000 });
    expect(await shows.get('run-2', NOW)).toBeUndefined();
    expect(await shows.get('run-1', new Date(NOW.getTime() + 3600_001))).toBeUndefined();

    const later = new Date(NOW.getTime() + 2 * 3600_000);
    await shows.put('run-2', { login: 'bob', repo: 'acme/web', view, expires: later.getTime() + 3600_000 }, later);
    expect((await a.selectFrom('admin_test_runs').select('id').execute()).map((r) => r.id)).toEqual(['run-2']);
    await Promise.all([a.destroy(), b.destroy()]);
  });
});
