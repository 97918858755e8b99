// The playground's story end to end: the app on its production server composition, the
// playground GitHub on 127.0.0.1 delivering signed webhooks to it, every step's outcome
// read back from what the app wrote to that GitHub. Then `pj playground --replay` plays it
// again in the running playground.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type Playground } from '../../src/playground/start.js';
import { APPROVALS, CONTRACTS, STORY_REPO, type StoryResult } from '../../src/playground/story.js';
import { runPlayground } from '../../src/playground/cli.js';
import { reverseApplyPatch } from '../../src/change/patch.js';
import { PAYMENTS_SPEC } from '../../src/playground/seed.js';
import type { Repo } from '../../src/playground/world.js';

let pg: Playground;
const latestCheck = (repo: Repo, sha: string, name: string) => repo.checkRuns.filter((r) => r.headSha === sha && r.name === name).at(-1);
const lines: string[] = [];
const warnings: string[] = [];
let result: StoryResult;

beforeAll(async () => {
  pg = await startPlayground({ port: 0, githubPort: 0, story: false, sandbox: false, out: (l) => lines.push(l), log: { info: () => {}, warn: (m) => warnings.push(m) } });
  result = await pg.play();
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

describe('the playground story', () => {
  it('opens the PR: the contracts check fails with annotations on the spec lines, the approvals check names the Team Lead', () => {
    const opened = result.steps[0]!;
    expect(opened.checks[CONTRACTS]).toMatchObject({ status: 'completed', conclusion: 'failure', title: 'Waiting for approval: Team Lead' });
    expect(opened.checks[APPROVALS]).toMatchObject({ status: 'in_progress', title: 'Waiting for approval: Team Lead' });
    const repo = pg.world.mustRepo(STORY_REPO);
    const pr = pg.world.pull(repo, result.prNumber)!;
    const contracts = repo.checkRuns.filter((r) => r.headSha === pr.pull.head.sha && r.name === CONTRACTS).at(-1)!;
    // The annotation of the newly required parameter sits on its `required: true` line at head.
    const required = contracts.annotations.find((a) => a.title?.startsWith('request-parameter-became-required'))!;
    expect(required.path).toBe('openapi/openapi.yaml');
    expect(pg.world.git.read(pr.pull.head.sha, 'openapi/openapi.yaml')!.split('\n')[required.start_line - 1]).toContain('required: true');
    expect(contracts.annotations.map((a) => a.title?.split(' ')[0])).toEqual(expect.arrayContaining(['api-path-removed-without-deprecation', 'api-version-major-bump-required']));
    expect(contracts.summary).toContain('Payment Service Policy');
    // The app asked the Team Lead tier for a review.
    expect(opened.requested).toEqual(expect.arrayContaining(['@alice', '@acme/team-leads']));
  });

  it("refuses a stranger's /approve with a reply and changes nothing", () => {
    const stranger = result.steps[1]!;
    expect(stranger.replies).toHaveLength(1);
    expect(stranger.replies[0]).toContain('`sam` is not in Team Lead');
    expect(stranger.replies[0]).toContain('Nothing was changed');
    expect(stranger.checks[APPROVALS]).toMatchObject({ status: 'in_progress', title: 'Waiting for approval: Team Lead' });
  });

  it('moves to the Director when the lead approves, and turns green when the director approves in a review', () => {
    const [, , lead, director] = result.steps;
    expect(lead!.checks[APPROVALS]).toMatchObject({ title: 'Waiting for approval: Director' });
    expect(lead!.checks[CONTRACTS]).toMatchObject({ conclusion: 'failure', title: 'Waiting for approval: Director' });
    expect(lead!.requested).toContain('@acme/directors');
    expect(lead!.requested).not.toContain('@acme/team-leads');
    expect(director!.checks[CONTRACTS]).toMatchObject({ conclusion: 'success', title: 'Approved by @lena (Team Lead), @dana (Director)' });
    expect(director!.checks[APPROVALS]).toMatchObject({ conclusion: 'success', title: 'Approved by @lena (Team Lead), @dana (Director)' });
  });

  it('merges: the default branch holds the change, the PR is closed as merged', () => {
    const repo = pg.world.mustRepo(STORY_REPO);
    const pr = pg.world.pull(repo, result.prNumber)!;
    expect(pr.pull.merged).toBe(true);
    expect(pr.state).toBe('closed');
    expect(repo.refs.get('main')).toBe(result.mergeSha);
    expect(pg.world.git.read(result.mergeSha!, 'openapi/openapi.yaml')).not.toContain('/receipt');
  });

  it('shows the drift the PR would cause, and on merge opens the remediation PR against the runbook (Track B)', () => {
    expect(result.steps[0]!.checks['PuddleJumper / drift']).toMatchObject({ conclusion: 'neutral', title: '3 drift items in 1 doc' });
    expect(result.appPullRequests).toEqual(['acme/docs#1']);
    const docs = pg.world.mustRepo('acme/docs');
    const remediation = pg.world.pull(docs, 1)!;
    expect(remediation.title).toBe('docs: fix 3 drift items in runbooks/payments.md');
    expect(remediation.pull.head.ref).toBe('puddlejumper/drift/runbooks-payments-md');
    const runbook = pg.world.git.read(remediation.pull.head.sha, 'runbooks/payments.md')!;
    expect(runbook).toContain('2. Run `npm run db:migrate` against the payments database.');
    expect(runbook).toContain('### `POST /refunds`');
    expect(runbook).not.toContain('### `GET /payments/{paymentId}/receipt`');
    expect(remediation.body).toContain('Needs a person (1)');
    // The remediation PR's own webhook reached the app, which checked it like any PR.
    expect(latestCheck(docs, remediation.pull.head.sha, CONTRACTS)).toMatchObject({ conclusion: 'success', title: 'No policy pack applies' });
    expect(lines.join('\n')).toContain(`↳ the app opened pull request acme/docs#1 “docs: fix 3 drift items in runbooks/payments.md”`);
  });

  it('told people through the local sinks: Slack, mail, PagerDuty and the signed webhook', () => {
    const by = (c: string) => result.notifications.filter((n) => n.channel === c).map((n) => n.summary);
    expect(by('slack')[0]).toMatch(/waiting for Team Lead/);
    expect(by('slack')).toEqual(expect.arrayContaining([expect.stringMatching(/All approvals are in/)]));
    expect(result.notifications.filter((n) => n.channel === 'email').map((n) => n.to)).toEqual(expect.arrayContaining(['directors@example.com', 'payments-team@example.com']));
    // The sink verified each webhook's signature with the pack's secret before recording it.
    expect(by('webhook').map((s) => s.split(':')[0])).toEqual(['contracts.blocked', 'step.approved', 'step.approved', 'chain.completed']);
    expect(by('pagerduty')[0]).toMatch(/^resolve/);
  });

  it('ran through the real webhook endpoint and the real API: every delivery accepted, no endpoint missing', () => {
    expect(pg.webhooks.deliveries.length).toBeGreaterThanOrEqual(8);
    expect(pg.webhooks.deliveries.filter((d) => d.status === undefined || d.status >= 300)).toEqual([]);
    expect(pg.github.unknown).toEqual([]);
    expect(warnings).toEqual([]);
    // The app authenticated as the App (JWT) and with installation tokens.
    expect(pg.github.requests).toEqual(expect.arrayContaining(['POST /app/installations/1/access_tokens', 'GET /app']));
  });

  it('prints each step with a link to the pull request', () => {
    const text = lines.join('\n');
    expect(text).toContain(`1. @devon opens ${STORY_REPO}#${result.prNumber}`);
    expect(text).toContain(`${pg.githubUrl}/${STORY_REPO}/pull/${result.prNumber}`);
    expect(text).toMatch(/✗ PuddleJumper \/ contracts: failure — Waiting for approval: Team Lead \(\d+ annotations\)/);
    expect(text).toContain('✓ PuddleJumper / approvals: success — Approved by @lena (Team Lead), @dana (Director)');
  });

  it("lists a PR's files with the patch GitHub gives (the app rebuilds the base from it)", async () => {
    const pr = pg.world.pull(pg.world.mustRepo(STORY_REPO), result.prNumber)!;
    const tokenRes = await fetch(`${pg.githubUrl}/api/v3/repos/${STORY_REPO}/pulls/${result.prNumber}/files`);
    expect(tokenRes.status).toBe(401); // no token: the API wants one, as GitHub does
    const files = pg.world.pullFiles(pg.world.mustRepo(STORY_REPO), pr);
    const spec = files.find((f) => f.filename === 'openapi/openapi.yaml')!;
    expect(reverseApplyPatch(pg.world.git.read(pr.pull.head.sha, spec.filename)!, spec.patch)).toBe(PAYMENTS_SPEC);
  });

  it('you drive it too: open a PR with your own spec, comment as an approver, push a fix, merge', async () => {
    const port = new URL(pg.githubUrl).port;
    const dir = mkdtempSync(join(tmpdir(), 'pj-drive-'));
    const mine = PAYMENTS_SPEC.replace('          operationId: createRefund\n', '          operationId: createRefund\n          deprecated: true\n').replace("              $ref: '#/components/schemas/NewRefund'", "              type: string");
    writeFileSync(join(dir, 'my-spec.yaml'), mine);
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runPlayground([...argv, '--github-port', port], { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const repo = pg.world.mustRepo(STORY_REPO);
    const next = pg.world.nextNumber(repo);
    // Seeded spec back on main first (the story merged the breaking one), so the PR compares against it.
    pg.actors.push(STORY_REPO, 'acme-admin', 'main', { 'openapi/openapi.yaml': PAYMENTS_SPEC }, 'seeded spec');
    await pg.settle();
    const opened = await run('open', '--file', 'openapi/openapi.yaml=@my-spec.yaml', '--title', 'My spec');
    expect(opened.err).toBe('');
    expect(opened.out).toContain(`${STORY_REPO}#${next} (open)`);
    expect(opened.out).toMatch(/PuddleJumper \/ contracts: failure — Waiting for approval: Team Lead \(\d+ annotations\)/);
    const refused = await run('comment', String(next), '/approve', '--as', 'sam');
    expect(refused.out).toContain('`sam` is not in Team Lead');
    const lead = await run('comment', String(next), '/approve', '--as', 'lena');
    expect(lead.out).toContain('PuddleJumper / approvals: in_progress — Waiting for approval: Director');
    // Pushing the seeded spec back: nothing breaks any more, a new head, a fresh evaluation.
    writeFileSync(join(dir, 'fixed.yaml'), PAYMENTS_SPEC.replace('version: 1.4.0', 'version: 1.4.1'));
    const fixed = await run('push', String(next), '--file', 'openapi/openapi.yaml=@fixed.yaml', '--file', 'CHANGELOG.md=# Changelog\n\n## 1.4.1\n\n- Refunds stay as they were.\n');
    expect(fixed.out, fixed.out).toMatch(/PuddleJumper \/ contracts: success/);
    const merged = await run('merge', String(next));
    expect(merged.out).toContain(`${STORY_REPO}#${next} (merged)`);
    expect((await run('merge', String(next))).err).toContain('is not open');
    expect((await run('comment', String(next))).code).toBe(2);
  }, 120_000);

  it('pj playground --replay plays the story again in the running playground', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const second = pg.world.nextNumber(pg.world.mustRepo(STORY_REPO));
    const code = await runPlayground(['--replay', '--github-port', new URL(pg.githubUrl).port], { out: (t) => out.push(t), err: (t) => err.push(t), cwd: process.cwd() });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(`@devon opens ${STORY_REPO}#${second}`);
    expect(out.join('\n')).toContain('restores the seeded API');
    expect(out.join('\n')).toMatch(/✗ PuddleJumper \/ contracts: failure — Waiting for approval: Team Lead \(\d+ annotations\)/);
    expect(out.join('\n')).toContain('✓ PuddleJumper / contracts: success');
    // The same drift items again: raised once, already in the open remediation PR.
    expect(out.join('\n')).toContain('↳ nothing new for the docs: this drift is already proposed in acme/docs#1');
    expect(pg.world.pull(pg.world.mustRepo(STORY_REPO), second)!.pull.merged).toBe(true);
    // The remediation branch is updated in place: still one open PR against the runbook.
    expect(pg.world.pulls(pg.world.mustRepo('acme/docs')).filter((i) => i.state === 'open')).toHaveLength(1);
  }, 120_000);
});
