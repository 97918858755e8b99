// The hash chain runs on any AuditEventStore: here an in-memory one with the same
// uniqueness rules as the table (id and prev_hash), so the chain logic is held apart
// from SQL, as the Postgres store will be.
import { describe, expect, it } from 'vitest';
import type { AuditEventStore, AuditFilter, AuditRow, AuditTail } from '../../src/store/audit-events.js';
import { AuditLog } from '../../src/governance/audit.js';

const KEY = 'pj-test-audit-key-memory-store-9a8b7c6d5e4f';

class MemoryAuditEvents implements AuditEventStore {
  rows: AuditRow[] = [];
  inserts = 0;
  conflicts = 0;

  async tail(): Promise<AuditTail | undefined> {
    const last = [...this.rows].sort((a, b) => a.id - b.id).at(-1);
    return last && { id: last.id, hash: last.hash, hashVersion: last.hashVersion };
  }

  async insert(rows: AuditRow[]): Promise<'inserted' | 'conflict'> {
    await Promise.resolve(); // let racing appends interleave, as over a connection
    this.inserts++;
    const taken = (r: AuditRow) => this.rows.some((x) => x.id === r.id || x.prevHash === r.prevHash);
    if (rows.some(taken)) {
      this.conflicts++;
      return 'conflict';
    }
    this.rows.push(...rows.map((r) => ({ ...r })));
    return 'inserted';
  }

  async page(afterId: number, limit: number, filter: AuditFilter = {}): Promise<AuditRow[]> {
    return this.rows
      .filter((r) => r.id > afterId && (filter.since === undefined || r.at >= filter.since) && (filter.repo === undefined || r.repo === filter.repo))
      .sort((a, b) => a.id - b.id)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  async row(id: number): Promise<AuditRow | undefined> {
    const found = this.rows.find((r) => r.id === id);
    return found && { ...found };
  }
}

describe('audit log on an in-memory store', () => {
  it('two logs racing on one store keep one chain: the loser re-reads the tail', async () => {
    const store = new MemoryAuditEvents();
    // Two processes' logs: separate queues, so their appends really race for the tail.
    const a = new AuditLog(store, { key: KEY });
    const b = new AuditLog({ tail: () => store.tail(), insert: (r) => store.insert(r), page: (x, y, f) => store.page(x, y, f), row: (id) => store.row(id) }, { key: KEY });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append({ actor: 'app', type: 't', subject: { repo: 'acme/api' }, details: { i } })));
    expect(store.conflicts).toBeGreaterThan(0);
    expect(store.rows.map((r) => r.id).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await a.verify()).toMatchObject({ ok: true, count: 40, schemes: { keyed: 40, plain: 0, legacy: 0 } });
    expect((await a.anchors()).head).toEqual({ sequence: 40, hash: (await store.row(40))!.hash });
    const exported = [];
    for await (const e of a.export({ repo: 'acme/api' })) exported.push(e.id);
    expect(exported).toHaveLength(40);
  });

  it('an edit in memory is found the same way', async () => {
    const store = new MemoryAuditEvents();
    const log = new AuditLog(store, { key: KEY });
    await log.appendMany([{ actor: 'app', type: 'a' }, { actor: 'app', type: 'b' }, { actor: 'app', type: 'c' }]);
    store.rows[1]!.actor = 'user:mallory';
    expect(await log.verify()).toMatchObject({ ok: false, brokenAt: 2, field: 'hash' });
  });
});
