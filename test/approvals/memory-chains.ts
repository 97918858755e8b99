// An in-memory ChainRepository with the same compare-and-set semantics as the SQL one
// (versions per chain and per step), so the approvals suites run on both. It has no
// transactions: a change's audit runs after the change, with no store to append within.
import type { Chain, DecisionSource } from '../../src/approvals/chain.js';
import { ChainConflict, type ChainRepository, type StoredChain } from '../../src/store/chains.js';

export function memoryChainRepository(): ChainRepository {
  const rows: StoredChain[] = [];
  let nextId = 1;
  let nextStepId = 1;
  const copy = (s: StoredChain): StoredChain => structuredClone(s);
  const current = (key: string) => rows.find((r) => r.chain.key === key && r.supersededAt === null);
  const byId = (id: number) => rows.find((r) => r.id === id);
  return {
    async byId(id) {
      const r = byId(id);
      return r && copy(r);
    },
    async byKey(key) {
      const r = current(key);
      return r && copy(r);
    },
    async latestByKey(key) {
      const r = rows.filter((x) => x.chain.key === key).sort((a, b) => b.id - a.id)[0];
      return r && copy(r);
    },
    async forPr(repo, prNumber, opts = {}) {
      return rows
        .filter((r) => r.chain.repo === repo && r.chain.prNumber === prNumber && (opts.includeSuperseded || r.supersededAt === null))
        .sort((a, b) => b.id - a.id)
        .map(copy);
    },
    async withSource(repo, prNumber, source: DecisionSource) {
      return rows
        .filter((r) => r.chain.repo === repo && r.chain.prNumber === prNumber && r.chain.steps.some((s) => s.source?.kind === source.kind && s.source.id === source.id))
        .sort((a, b) => b.id - a.id)
        .map(copy);
    },
    async insert(chain: Chain, meta, audit) {
      const existing = current(chain.key);
      if (existing) return { stored: copy(existing), created: false };
      const stored: StoredChain = {
        id: nextId++,
        version: 1,
        chain: structuredClone(chain),
        templateHash: meta.templateHash,
        lastHeadSha: meta.headSha,
        supersededAt: null,
        supersededReason: null,
        base: meta.base,
        findings: meta.findings,
        rows: Object.fromEntries(chain.steps.map((s) => [s.id, { id: nextStepId++, version: 1 }])),
      };
      rows.push(stored);
      await audit?.(structuredClone(chain), undefined);
      return { stored: copy(stored), created: true };
    },
    async save(stored, next, _now, audit) {
      const row = byId(stored.id);
      if (!row || row.version !== stored.version) throw new ChainConflict(`chain ${stored.chain.key}`);
      for (const s of next.steps) {
        const mine = row.rows[s.id];
        const theirs = stored.rows[s.id];
        if (!mine || !theirs) throw new Error(`step ${s.id} is not part of chain ${stored.chain.key}`);
        if (mine.version !== theirs.version) throw new ChainConflict(`step ${s.id}`);
      }
      const before = new Map(row.chain.steps.map((s) => [s.id, JSON.stringify(s)]));
      for (const s of next.steps) if (before.get(s.id) !== JSON.stringify(s)) row.rows[s.id]!.version++;
      row.chain = structuredClone(next);
      row.version++;
      await audit?.(structuredClone(next), undefined);
      return copy(row);
    },
    async supersede(stored, now, reason, audit) {
      const row = byId(stored.id);
      if (!row || row.version !== stored.version || row.supersededAt !== null) return false;
      row.supersededAt = now.toISOString();
      row.supersededReason = reason;
      row.version++;
      await audit?.(structuredClone(stored.chain), undefined);
      return true;
    },
    async touchHead(stored, headSha) {
      const row = byId(stored.id);
      if (row) row.lastHeadSha = headSha;
    },
    async countPendingSteps() {
      return rows
        .filter((r) => r.supersededAt === null && r.chain.status === 'pending')
        .reduce((n, r) => n + r.chain.steps.filter((s) => s.status === 'active' || s.status === 'waiting').length, 0);
    },
  };
}
