#!/usr/bin/env node
// Notification planning speed: a chain of 3 groups shared by 5 packs, each routing to Slack,
// 20 addresses, PagerDuty and 10 webhooks; every event name planned in turn.
// Needs the compiled sources: `npx tsc -p .` then `node bench/notify.mjs`.
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Pack } = await import(join(root, 'dist/src/packs/schema.js'));
const { startChain, decideStep } = await import(join(root, 'dist/src/approvals/chain.js'));
const { templateForPacks, DEFAULT_APPROVAL_OPTIONS } = await import(join(root, 'dist/src/approvals/template.js'));
const { planNotifications, escalationEvents } = await import(join(root, 'dist/src/usecases/notify-plan.js'));

const packs = Array.from({ length: 5 }, (_, i) => {
  const p = Pack.parse({
    id: `pack-${i}`,
    name: `Pack ${i}`,
    scope: { type: 'workspace' },
    approvalTiers: {
      lead: { name: 'Lead', teams: ['acme/leads'], requiredFor: ['high'], emails: ['leads@example.com'] },
      director: { name: 'Director', teams: ['acme/directors'], users: ['dana'], requiredFor: ['high'], slackChannel: '#directors' },
      cto: { name: 'CTO', users: ['cto'], requiredFor: ['high'], escalateAfterHours: 8 },
    },
    routing: {
      slackChannel: `#team-${i}`,
      emailList: Array.from({ length: 20 }, (_, n) => `person${n}@example.com`),
      pagerDuty: { routingKeyEnv: 'PJ_SECRET_PD' },
      webhooks: Array.from({ length: 10 }, (_, n) => ({ name: `hook${n}`, url: `https://hooks${n}.example.com/pj`, secretEnv: 'PJ_SECRET_H' })),
    },
  });
  return { id: p.id, routing: p.routing, testMode: p.testMode, approvalTiers: p.approvalTiers };
});
const t0 = new Date('2026-03-01T10:00:00Z');
const required = templateForPacks(packs.map((p) => ({ ...p, approvalOptions: DEFAULT_APPROVAL_OPTIONS })), 'high');
const chain0 = startChain(required.template, { repo: 'acme/api', prNumber: 7, headSha: 'abc', severity: 'high', prAuthor: 'author', options: required.options }, t0).chain;
const chain1 = decideStep(chain0, { kind: 'approve', stepId: '0.lead', actor: 'al', source: { kind: 'comment', id: '1' } }, t0).chain;
const subject = { repo: 'acme/api', prNumber: 7, headSha: 'abc' };
const at = t0.toISOString();
const events = [
  { name: 'contracts.blocked', at, chain: chain0, findings: { title: '3 breaking changes', total: 3 } },
  { name: 'step.activated', at, chain: chain1, stepId: '1.director' },
  { name: 'step.approved', at, chain: chain1, stepId: '0.lead', actor: 'al' },
  ...escalationEvents(chain1, new Date(t0.getTime() + 30 * 3_600_000), packs),
  { name: 'action.failed', at, action: { id: 1, kind: 'check_run.upsert', idempotencyKey: 'k', attempts: 6, error: 'HTTP 502' } },
];

let proposals = 0;
for (let i = 0; i < 200; i++) for (const event of events) planNotifications({ installationId: 1, subject, event, packs });
const RUNS = 2000;
const start = performance.now();
for (let i = 0; i < RUNS; i++) for (const event of events) proposals += planNotifications({ installationId: 1, subject, event, packs }).length;
const ms = performance.now() - start;
const planned = RUNS * events.length;
console.log(`${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log(`planNotifications: ${(ms / planned * 1000).toFixed(1)} µs/event, ${(proposals / RUNS / events.length).toFixed(0)} proposals/event on average (${planned} events)`);
