// The scripted story: a developer's pull request with a breaking API change goes through
// the whole product. Each step is something a person does on the playground's GitHub (which
// sends the webhooks); after it the story waits until the app has done its work and prints
// what the app wrote, read back from the playground's GitHub, with links to the page.
import { breakingSpec, packageJson, PEOPLE, SEEDED_SERVICE_FILES } from './seed.js';
import { latestRuns } from './page.js';
import type { Actors, PullIssue } from './actors.js';
import type { CheckRun, Notification, Repo, World } from './world.js';

export const STORY_REPO = 'acme/payments-api';
export const CONTRACTS = 'PuddleJumper / contracts';
export const APPROVALS = 'PuddleJumper / approvals';

export interface CheckState {
  conclusion: string | undefined;
  status: string;
  title: string;
  annotations: number;
}

export interface StoryStep {
  title: string;
  checks: Record<string, CheckState>;
  /** What the app said in the PR's conversation during the step. */
  replies: string[];
  /** Whose review the PR asks for after the step (`@user`, `@org/team`). */
  requested: string[];
}

export interface StoryResult {
  prNumber: number;
  url: string;
  steps: StoryStep[];
  mergeSha?: string;
  /** Pull requests the app opened or updated when the PR merged (Track B remediation), as `owner/repo#n`. */
  appPullRequests: string[];
  /** Issues it opened then (Track B's digest). */
  appIssues: string[];
  notifications: Notification[];
}

export interface StoryDeps {
  world: World;
  actors: Actors;
  settle: () => Promise<void>;
  out: (line: string) => void;
  /** Stop after this many steps (the screenshot stops at the refused /approve); default: all. */
  until?: number;
}

const ICON: Record<string, string> = { success: '✓', failure: '✗', neutral: '–', in_progress: '…', queued: '…' };

function checks(repo: Repo, sha: string): Record<string, CheckState> {
  const out: Record<string, CheckState> = {};
  for (const r of latestRuns(repo, sha)) out[r.name] = { conclusion: r.conclusion, status: r.status, title: r.title, annotations: r.annotations.length };
  return out;
}

function checkLine(run: CheckRun | undefined, name: string): string {
  if (!run) return `   ? ${name}: not written`;
  const state = run.conclusion ?? run.status;
  const notes = run.annotations.length ? ` (${run.annotations.length} annotation${run.annotations.length === 1 ? '' : 's'})` : '';
  return `   ${ICON[state] ?? '·'} ${name}: ${state} — ${run.title}${notes}`;
}

function firstLine(body: string): string {
  const text = body.replace(/<!--[\s\S]*?-->/g, '').trim().split('\n').find((l) => l.trim() !== '') ?? '';
  return text.length > 110 ? `${text.slice(0, 107)}…` : text;
}

export async function playStory(d: StoryDeps): Promise<StoryResult> {
  const { world: w, actors, settle, out } = d;
  const repo = w.mustRepo(STORY_REPO);
  const notificationsBefore = w.notifications.length;
  const steps: StoryStep[] = [];
  let pr: PullIssue | undefined;
  const commentsBefore = () => repo.comments.length;


  async function step(title: string, act: () => void | Promise<void>): Promise<StoryStep> {
    out('');
    out(`${steps.length + 1}. ${title}`);
    const seen = commentsBefore();
    const told = w.notifications.length;
    await act();
    await settle();
    for (const n of w.notifications.slice(told)) out(`   → ${n.channel} ${n.to}: ${n.summary.length > 100 ? `${n.summary.slice(0, 97)}…` : n.summary}`);
    const replies = repo.comments.slice(seen).filter((c) => c.user.login === w.bot.login && c.issueNumber === pr?.number).map((c) => c.body);
    const requested = pr ? [...pr.pull.requestedReviewers].map((u) => `@${u}`).concat([...pr.pull.requestedTeams].map((t) => `@${repo.owner}/${t}`)) : [];
    const s: StoryStep = { title, checks: pr ? checks(repo, pr.pull.head.sha) : {}, replies, requested };
    steps.push(s);
    return s;
  }
  const stopHere = () => steps.length >= (d.until ?? Infinity);
  const partial = (): StoryResult => ({ prNumber: pr!.number, url: w.htmlUrl(repo, `/pull/${pr!.number}`), steps, appPullRequests: [], appIssues: [], notifications: w.notifications.slice(notificationsBefore) });
  const showChecks = () => {
    const runs = latestRuns(repo, pr!.pull.head.sha);
    out(checkLine(runs.find((r) => r.name === CONTRACTS), CONTRACTS));
    out(checkLine(runs.find((r) => r.name === APPROVALS), APPROVALS));
    for (const r of runs.filter((x) => x.name !== CONTRACTS && x.name !== APPROVALS)) out(checkLine(r, r.name));
  };
  const showReplies = (s: StoryStep) => {
    for (const r of s.replies) out(`   ↳ @${w.bot.login} replies: “${firstLine(r)}”`);
  };

  out(`The story: a breaking change to the payments API, from pull request to merge, and the runbook it makes stale.`);
  const seeded = SEEDED_SERVICE_FILES();
  const main = repo.refs.get(repo.defaultBranch)!;
  if (Object.entries(seeded).some(([path, text]) => w.git.read(main, path) !== text)) {
    // A replay: the API on main is the one the last story merged; put the seeded one back first.
    out(`   (replay: @${PEOPLE.admin} first restores the seeded API on ${STORY_REPO} main)`);
    actors.push(STORY_REPO, PEOPLE.admin, repo.defaultBranch, seeded, 'Restore the seeded payments API (playground replay)');
    await settle();
  }
  const number = w.nextNumber(repo);
  const branch = `refunds-need-a-reason-${number}`;
  const url = w.htmlUrl(repo, `/pull/${number}`);
  await step(`@${PEOPLE.developer} opens ${STORY_REPO}#${number} with a breaking change to openapi/openapi.yaml`, () => {
    actors.push(STORY_REPO, PEOPLE.developer, branch, {
      'openapi/openapi.yaml': breakingSpec(),
      'package.json': packageJson('db:migrate'),
      'CHANGELOG.md': '# Changelog\n\n## Unreleased\n\n- Refunds need a reason.\n- Receipts moved to the billing service.\n- `npm run migrate` is now `npm run db:migrate`.\n\n## 1.4.0\n\n- Receipts as PDF.\n',
    }, 'Refunds need a reason; receipts move to billing');
    pr = actors.openPull(STORY_REPO, PEOPLE.developer, {
      branch,
      title: 'Refunds need a reason; receipts move to billing',
      body: 'The `reason` of a refund becomes required, `GET /payments/{paymentId}/receipt` moves to the billing service, and the migration script is now `db:migrate`.',
    });
  });
  out(`   ${url}`);
  showChecks();
  if (steps[0]!.requested.length) out(`   review requested from ${steps[0]!.requested.join(', ')}`);
  if (stopHere()) return partial();

  const stranger = await step(`@${PEOPLE.stranger}, who is in no approval tier, comments “/approve”`, () => void actors.comment(STORY_REPO, number, PEOPLE.stranger, '/approve'));
  showReplies(stranger);
  out(checkLine(latestRuns(repo, pr!.pull.head.sha).find((r) => r.name === APPROVALS), APPROVALS));
  if (stopHere()) return partial();

  const lead = await step(`@${PEOPLE.lead} (Team Lead, in @acme/team-leads) comments “/approve”`, () => void actors.comment(STORY_REPO, number, PEOPLE.lead, '/approve'));
  showReplies(lead);
  showChecks();
  if (lead.requested.length) out(`   review requested from ${lead.requested.join(', ')}`);
  if (stopHere()) return partial();

  const director = await step(`@${PEOPLE.director} (Director, in @acme/directors) approves the pull request in a review`, () =>
    void actors.review(STORY_REPO, number, PEOPLE.director, 'APPROVED', 'Billing is ready for the receipts. Approved.'),
  );
  showReplies(director);
  showChecks();
  if (stopHere()) return partial();

  const issuesBefore = new Set([...w.repos.values()].flatMap((r) => [...r.issues.keys()].map((n) => `${r.fullName}#${n}`)));
  const botHeads = new Map([...w.repos.values()].flatMap((r) => w.pulls(r).filter((i) => i.user.login === w.bot.login && i.state === 'open').map((i) => [`${r.fullName}#${i.number}`, i.pull!.head.sha] as const)));
  let mergeSha: string | undefined;
  await step(`@${PEOPLE.developer} merges ${STORY_REPO}#${number}`, () => {
    mergeSha = actors.merge(STORY_REPO, number, PEOPLE.developer);
  });
  out(`   merged as ${mergeSha!.slice(0, 7)} into ${repo.defaultBranch}`);
  // What the merge made the app write: Track B's remediation PR against the doc, its digest issue.
  const opened = [...w.repos.values()].flatMap((r) =>
    [...r.issues.values()].filter((i) => i.user.login === w.bot.login && !issuesBefore.has(`${r.fullName}#${i.number}`)).map((i) => ({ repo: r, issue: i })),
  );
  for (const { repo: r, issue: i } of opened) {
    const kind = i.pull ? 'pull request' : 'issue';
    out(`   ↳ the app opened ${kind} ${r.fullName}#${i.number} “${i.title}”`);
    out(`     ${w.htmlUrl(r, `/${i.pull ? 'pull' : 'issues'}/${i.number}`)}`);
    if (i.pull) {
      const files = w.pullFiles(r, i as PullIssue).map((f) => f.filename);
      const asked = [...i.pull.requestedReviewers].map((u) => `@${u}`).concat([...i.pull.requestedTeams].map((t) => `@${r.owner}/${t}`));
      out(`     changes ${files.join(', ')}${asked.length ? `; review requested from ${asked.join(', ')}` : ''}`);
    }
  }
  const updated = [...w.repos.values()].flatMap((r) =>
    w.pulls(r).filter((i) => botHeads.has(`${r.fullName}#${i.number}`) && botHeads.get(`${r.fullName}#${i.number}`) !== i.pull!.head.sha).map((i) => ({ repo: r, issue: i })),
  );
  for (const { repo: r, issue: i } of updated) out(`   ↳ the app updated its pull request ${r.fullName}#${i.number} in place: “${i.title}”\n     ${w.htmlUrl(r, `/pull/${i.number}`)}`);
  if (opened.length + updated.length === 0) {
    const pending = [...botHeads.keys()];
    out(pending.length ? `   ↳ nothing new for the docs: this drift is already proposed in ${pending.join(', ')} (each item is raised once)` : '   (no documentation drift to act on)');
  }
  const appPullRequests = opened.concat(updated).filter((o) => o.issue.pull).map((o) => `${o.repo.fullName}#${o.issue.number}`);
  const appIssues = opened.filter((o) => !o.issue.pull).map((o) => `${o.repo.fullName}#${o.issue.number}`);

  const notifications = w.notifications.slice(notificationsBefore);
  const count = (c: Notification['channel']) => notifications.filter((n) => n.channel === c).length;
  out('');
  out(`Notifications (→ above) went to local sinks, nothing left this machine: ${count('slack')} Slack, ${count('email')} mail, ${count('pagerduty')} PagerDuty, ${count('webhook')} signed webhooks.`);
  out(`Everything the app wrote: ${w.webBase}/`);
  return { prNumber: number, url, steps, ...(mergeSha ? { mergeSha } : {}), appPullRequests, appIssues, notifications };
}
