// Writes ops/grafana/puddlejumper.json (run: node ops/grafana/build.mjs). The JSON is
// committed and imported into Grafana as it is; test/ops/ops.test.ts checks both agree.
import { writeFileSync } from 'node:fs';

const ds = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
let id = 0;
let y = 0;
const panels = [];
function row(title) {
  panels.push({ id: ++id, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] });
}
function panel(title, targets, o = {}) {
  const w = o.w ?? 12;
  const x = o.x ?? 0;
  panels.push({
    id: ++id,
    type: o.type ?? 'timeseries',
    title,
    description: o.description ?? '',
    datasource: ds,
    gridPos: { h: o.h ?? 8, w, x, y },
    fieldConfig: { defaults: { unit: o.unit ?? 'short' }, overrides: [] },
    options: o.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } } : { legend: { displayMode: 'list', placement: 'bottom' } },
    targets: targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource: ds, expr, legendFormat })),
  });
  if (x + w >= 24) y += o.h ?? 8;
}

row('Webhooks');
panel('Webhooks by event and outcome', [['sum by (event, outcome) (rate(pj_webhooks_received_total[5m]))', '{{event}} {{outcome}}']], { unit: 'reqps' });
panel('Handler latency (p50, p95)', [
  ['histogram_quantile(0.5, sum by (le) (rate(pj_webhook_handler_duration_seconds_bucket[5m])))', 'p50'],
  ['histogram_quantile(0.95, sum by (le) (rate(pj_webhook_handler_duration_seconds_bucket[5m])))', 'p95'],
], { x: 12, unit: 's' });
row('Outbox');
panel('Outbox actions by status', [['sum by (status) (pj_outbox_actions)', '{{status}}']], { w: 8 });
panel('Backlog (approved + dispatching)', [['sum(pj_outbox_actions{status=~"approved|dispatching"})', 'backlog']], { w: 4, x: 8, type: 'stat' });
panel('Check-run dispatch latency (p95)', [['histogram_quantile(0.95, sum by (le) (rate(pj_action_dispatch_duration_seconds_bucket{kind="check_run.upsert"}[5m])))', 'p95']], { x: 12, unit: 's' });
panel('Dispatches by dispatcher and outcome', [['sum by (kind, outcome) (rate(pj_action_dispatch_attempts_total[5m]))', '{{kind}} {{outcome}}']], { w: 8, unit: 'ops' });
panel('Retries', [['sum by (kind) (rate(pj_action_dispatch_retries_total[5m]))', '{{kind}}']], { w: 8, x: 8, unit: 'ops' });
panel('Failed or denied actions', [['sum by (kind, reason) (increase(pj_action_failures_total[1h]))', '{{kind}} {{reason}}']], { w: 8, x: 16 });
panel('Transitions by status', [['sum by (status) (rate(pj_action_transitions_total[5m]))', '{{status}}']], { w: 24, unit: 'ops' });
row('Approval chains');
panel('Steps created, completed and rejected chains', [
  ['sum(increase(approval_chain_steps_total[1h]))', 'steps created'],
  ['sum(increase(approval_chain_completed_total[1h]))', 'chains approved'],
  ['sum(increase(approval_chain_rejected_total[1h]))', 'chains rejected'],
], { w: 8 });
panel('Steps pending', [['approval_chain_step_pending', 'pending steps']], { w: 4, x: 8, type: 'stat' });
panel('Longest-waiting active step', [['approval_chain_oldest_active_step_seconds', 'waiting']], { w: 4, x: 12, type: 'stat', unit: 's' });
panel('Step decision time (p50, p95)', [
  ['histogram_quantile(0.5, sum by (le) (rate(approval_chain_step_time_seconds_bucket[1h])))', 'p50'],
  ['histogram_quantile(0.95, sum by (le) (rate(approval_chain_step_time_seconds_bucket[1h])))', 'p95'],
], { w: 8, x: 16, unit: 's' });
panel('Step decisions', [['sum by (decision) (increase(approval_chain_step_decided_total[1h]))', '{{decision}}']], { w: 24 });
row('Track B (documentation drift)');
panel('Track B items by status', [['sum by (status) (pj_drift_items)', '{{status}}']], { w: 12 });
panel('Open accumulation windows', [['pj_drift_windows_open', 'open windows']], { w: 4, x: 12, type: 'stat' });
panel('Remediation PRs by status', [['sum by (status) (pj_drift_remediations)', '{{status}}']], { w: 8, x: 16 });
row('GitHub and evidence');
panel('GitHub rate limit remaining', [['min by (installation) (pj_github_rate_limit_remaining)', 'installation {{installation}}']], { w: 16 });
panel('Audit chain head', [['pj_audit_head_sequence', 'head']], { w: 8, x: 16, type: 'stat' });

const dashboard = {
  __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
  __requires: [{ type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' }],
  uid: 'puddlejumper',
  title: 'PuddleJumper',
  description: 'Webhooks, the action outbox, approval chains, Track B drift and the GitHub rate limit of PuddleJumper.',
  tags: ['puddlejumper'],
  timezone: 'browser',
  editable: true,
  schemaVersion: 39,
  version: 1,
  refresh: '30s',
  time: { from: 'now-6h', to: 'now' },
  templating: { list: [] },
  annotations: { list: [] },
  panels,
};
writeFileSync(new URL('./puddlejumper.json', import.meta.url), `${JSON.stringify(dashboard, null, 2)}\n`);
