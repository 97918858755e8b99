// A pack test run of a Track B pack: per PR, the drift items merging it would raise against
// the pack's primary doc, routed by the pack's materiality, each with its patch — the doc
// read once for the run, nothing else touched.
import { describe, expect, it } from 'vitest';
import type { PullRequest } from '../../src/change/changeset.js';
import type { DocTarget } from '../../src/drift/item.js';
import { loadPackSet } from '../../src/packs/load-set.js';
import { defaultKnownTypes } from '../../src/usecases/known-types.js';
import { runPackTest, type TestRunDocs } from '../../src/usecases/test-run.js';
import { MemoryChangeSet } from '../change/fakes.js';
import { fixture } from '../drift/helpers.js';

const RUNBOOK = fixture('runbook-payments.md');
const PACK = `id: payments-docs
name: Payments docs
status: draft
scope: { type: repo, ref: acme/payment-api }
trackB:
  primaryDoc: { system: github, repo: acme/docs, path: runbooks/payments.md, class: runbook }
  driftTypes:
    - { type: instruction, sectionTarget: Deployment Steps }
  materiality: { autoApprove: 0.98, notify: 0.40, digestOnly: 0.30, ignore: 0.20 }
`;
const pkg = (scripts: Record<string, string>) => JSON.stringify({ name: 'payments', scripts }, null, 2);
const BASE = { 'package.json': pkg({ 'deploy:prod': 'node scripts/deploy.js --env prod', 'db:migrate': 'knex migrate:latest', test: 'vitest' }) };
const HEAD = { 'package.json': pkg({ 'release:prod': 'node scripts/deploy.js --env prod', 'db:migrate': 'knex migrate:latest', test: 'vitest' }) };

const pr = (number: number): PullRequest & { title: string } => ({ installationId: 1, repo: 'acme/payment-api', number, baseSha: 'b'.repeat(40), headSha: `${number}`.repeat(40).slice(0, 40), author: { login: 'dev', type: 'User' }, labels: [], title: `PR ${number}` });

describe('a pack test run with Track B', () => {
  it('shows per PR the drift items it would raise and their patches; the doc is read once; a PR that changes nothing relevant raises none', async () => {
    const reads: DocTarget[] = [];
    const docs: TestRunDocs = {
      read: async (t) => {
        reads.push(t);
        return { text: RUNBOOK };
      },
    };
    const changes = new Map([
      [1, new MemoryChangeSet({ base: BASE, head: HEAD })],
      [2, new MemoryChangeSet({ base: { 'README.md': 'a' }, head: { 'README.md': 'b' } })],
    ]);
    const result = await runPackTest(
      { packs: async () => loadPackSet([{ path: 'policy-packs/payments-docs.yml', text: PACK }], defaultKnownTypes()), pulls: async () => [pr(1), pr(2)], changes: (p) => changes.get(p.number)!, docs, now: () => new Date('2026-03-01T00:00:00Z') },
      'payments-docs',
    );
    expect(reads).toEqual([{ system: 'github', repo: 'acme/docs', path: 'runbooks/payments.md', class: 'runbook' }]);
    const [one, two] = result.prs;
    expect(one!.drift!.doc).toBe('acme/docs:runbooks/payments.md');
    const renamed = one!.drift!.items.find((i) => i.rule === 'instruction.script-renamed')!;
    expect(renamed).toMatchObject({ subject: 'deploy:prod', changeClass: 'behavioral', severity: 'high' });
    expect(['auto', 'notify', 'digest']).toContain(renamed.band);
    expect(renamed.patch).toContain('+3. Deploy to production with `npm run release:prod` and watch the dashboards.');
    expect(two!.drift).toEqual({ doc: 'acme/docs:runbooks/payments.md', items: [] });
    // A Track B pack has no Track A gate: it never blocks.
    expect(result.prs.map((p) => p.wouldBlock)).toEqual([false, false]);
  });

  it('says when the doc cannot be read, or when no doc reader is at hand, instead of an empty result', async () => {
    const set = async () => loadPackSet([{ path: 'policy-packs/payments-docs.yml', text: PACK }], defaultKnownTypes());
    const changes = () => new MemoryChangeSet({ base: BASE, head: HEAD });
    const missing = await runPackTest({ packs: set, pulls: async () => [pr(1)], changes, docs: { read: async () => ({ unavailable: 'runbooks/payments.md does not exist in acme/docs' }) }, now: () => new Date() }, 'payments-docs');
    expect(missing.prs[0]!.drift!.items.map((i) => `${i.rule}: ${i.message}`)).toEqual([expect.stringMatching(/^problem\.doc-missing: runbooks\/payments.md does not exist in acme\/docs/)]);
    const none = await runPackTest({ packs: set, pulls: async () => [pr(1)], changes, now: () => new Date() }, 'payments-docs');
    expect(none.prs[0]!.drift).toEqual({ doc: 'acme/docs:runbooks/payments.md', items: [], error: 'the doc reader is not available here: drift was not tried' });
  });
});
