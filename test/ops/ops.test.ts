// The ops files ops import unchanged: the alert rules pass promtool, the dashboard has
// Grafana's structure, and every metric either names is exported by /metrics.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.js';
import { registry } from '../../src/metrics.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;
const rules = readFileSync('ops/prometheus/alerts.yml', 'utf8');
const dashboard = JSON.parse(readFileSync('ops/grafana/puddlejumper.json', 'utf8')) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Array<{ id: number; type: string; title: string; gridPos: { h: number; w: number; x: number; y: number }; targets?: Array<{ refId: string; expr: string }> }>;
};

/** Metric names in PromQL expressions (identifiers followed by `{`, `[`, `)` or whitespace, minus functions and keywords). */
function metricNames(exprs: string[]): Set<string> {
  const names = new Set<string>();
  for (const e of exprs) {
    for (const m of e.matchAll(/\b((?:pj|approval_chain)_[a-z_]+)\b/g)) names.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}

describe('ops/prometheus/alerts.yml', () => {
  it.skipIf(!promtool)('passes promtool check rules and its unit tests (promtool test rules)', () => {
    expect(execFileSync('promtool', ['check', 'rules', 'ops/prometheus/alerts.yml'], { encoding: 'utf8' })).toContain('SUCCESS');
    const out = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: 'ops/prometheus', encoding: 'utf8' });
    expect(`${out.stdout}${out.stderr}`).toContain('SUCCESS');
    expect(out.status).toBe(0);
  });

  it('says plainly when promtool is absent', () => {
    if (!promtool) console.warn('promtool not found: install Debian\'s prometheus package (.ci/run does) to run the alert rule tests');
    expect(rules).toContain('ChainStepStuck24h');
  });

  it('has the alerts ops asked for', () => {
    for (const a of ['ChainStepStuck24h', 'DispatchFailures', 'WebhookHandlerFailures', 'OutboxBacklogGrowing', 'GitHubRateLimitLow']) expect(rules).toContain(`alert: ${a}`);
  });
});

describe('ops/grafana/puddlejumper.json', () => {
  it('is the file ops/grafana/build.mjs writes', () => {
    const before = readFileSync('ops/grafana/puddlejumper.json', 'utf8');
    execFileSync('node', ['ops/grafana/build.mjs']);
    expect(readFileSync('ops/grafana/puddlejumper.json', 'utf8')).toBe(before);
  });

  it("has Grafana's dashboard structure: uid, title, schema version, panels with unique ids, grid positions and queries", () => {
    expect(dashboard).toMatchObject({ uid: 'puddlejumper', title: 'PuddleJumper' });
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.w).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      if (p.type !== 'row') {
        expect(p.targets?.length, p.title).toBeGreaterThan(0);
        for (const t of p.targets!) expect(t.expr, p.title).toMatch(/\w/);
      }
    }
    const titles = dashboard.panels.map((p) => p.title).join('\n');
    for (const want of [/webhooks by event/i, /handler latency/i, /check-run dispatch latency/i, /outbox actions by status/i, /dispatches by dispatcher/i, /retries/i, /steps pending/i, /decision time/i, /rate limit/i, /Track B items/i, /accumulation windows/i, /remediation PRs/i]) expect(titles).toMatch(want);
  });
});

describe('every metric the dashboard and the rules name is exported by /metrics under that exact name', () => {
  it('matches the registry of a running app', async () => {
    await createTestApp(); // loads every module that registers metrics
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const named = metricNames([...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), rules]);
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((n) => !exported.has(n))).toEqual([]);
  });
});

describe('gauges read from the store at scrape time', () => {
  it('the pending-steps and outbox gauges report the stored state right after start-up, not 0 until something moves', async () => {
    const t = await createTestApp();
    const { startChain } = await import('../../src/approvals/chain.js');
    const { chainTemplateFor, DEFAULT_APPROVAL_OPTIONS } = await import('../../src/approvals/template.js');
    const { sqlChainRepository } = await import('../../src/store/chains.js');
    const { pack } = await import('../approvals/helpers.js');
    // A chain written by an earlier process: two undecided steps, the first active since an hour ago.
    const started = new Date(Date.now() - 3600_000);
    const { chain } = startChain({ repo: 'acme/api', number: 1, headSha: 'a'.repeat(40), author: { login: 'x' } }, 'high', { template: chainTemplateFor(pack(), 'high'), options: DEFAULT_APPROVAL_OPTIONS }, started);
    await sqlChainRepository(t.db).insert(chain, { templateHash: 'h', headSha: 'a'.repeat(40), base: 'main', findings: '' });
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;
    expect((await value('approval_chain_step_pending'))[0]!.value).toBe(2);
    expect((await value('approval_chain_oldest_active_step_seconds'))[0]!.value).toBeGreaterThanOrEqual(3600);
    expect((await value('pj_outbox_actions')).find((v) => v.labels.status === 'approved')?.value).toBe(0);
  });

  it('the Track B gauges report the stored drift state right after start-up', async () => {
    const t = await createTestApp();
    const { sqlDriftStore } = await import('../../src/store/drift.js');
    const store = sqlDriftStore(t.db);
    const now = new Date();
    const item = { type: 'instruction', rule: 'instruction.script-renamed', message: 'm', subject: 's', docTarget: { system: 'github', repo: 'acme/docs', path: 'a.md' }, section: '', evidence: [], fingerprint: 'f1', changeClass: 'behavioral', confidence: 1, patch: null } as const;
    await store.saveWindow({ installationId: 1, owner: 'acme', state: { packId: 'p', docKey: 'github:acme/docs:a.md', openedAt: now.toISOString(), dueAt: new Date(now.getTime() + 86400_000).toISOString(), items: [] } }, 0, now);
    await store.putItems(1, 'p', 'github:acme/docs:a.md', [{ entry: { item: { ...item, evidence: [] }, severity: 'medium', sources: [] }, status: 'pending', sourceRepo: 'acme/api' }, { entry: { item: { ...item, evidence: [], fingerprint: 'f2' }, severity: 'low', sources: [] }, status: 'digest', sourceRepo: 'acme/api' }], now);
    await store.openRemediation({ installationId: 1, packId: 'p', docKey: 'github:acme/docs:a.md', system: 'github', repo: 'acme/docs', branch: 'puddlejumper/drift/a', openedAt: now.toISOString() }, now);
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;
    const byStatus = (values: Array<{ labels: Record<string, unknown>; value: number }>) => Object.fromEntries(values.map((v) => [v.labels.status, v.value]));
    expect(byStatus(await value('pj_drift_items'))).toMatchObject({ pending: 1, digest: 1, remediation: 0 });
    expect((await value('pj_drift_windows_open'))[0]!.value).toBe(1);
    expect(byStatus(await value('pj_drift_remediations'))).toMatchObject({ open: 1, merged: 0 });
  });
});
