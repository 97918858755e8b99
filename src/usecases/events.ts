// What each webhook does: a few lines per event, reading the payload and calling a
// use case. The installation's authenticated Octokit comes with the event.
import type { AnyContext, EventRoutes } from '../app.js';
import type { Services } from './services.js';
import type { Octokit } from '../governance/octokit.js';
import { factsFromPayload, type PullRequestPayloadLike } from '../change/github.js';
import { factsFromCommentPayload, factsFromReviewPayload } from '../approvals/facts.js';
import { evaluatePullRequest } from './evaluate-pull-request.js';
import { approvalsFor } from './approvals.js';
import { isConfigRepo, onConfigPush, validateConfigCommit } from './config-repo.js';
import { ChangelogConfig, TYPE as CHANGELOG } from '../contracts/comparators/changelog-updated.js';

const EVALUATED_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review']);

interface Repository {
  name: string;
  full_name: string;
  owner: { login: string };
}

function installationOf(context: AnyContext): number {
  const id = (context.payload as { installation?: { id: number } }).installation?.id;
  if (id === undefined) throw new Error(`${context.name} webhook without an installation`);
  return id;
}

const octokitOf = (context: AnyContext) => context.octokit as unknown as Octokit;

/** Fetches a PR (for events that name it without its shas) and evaluates it. */
async function evaluateByNumber(svc: Services, context: AnyContext, repository: Repository, number: number): Promise<void> {
  const octokit = octokitOf(context);
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
    owner: repository.owner.login,
    repo: repository.name,
    pull_number: number,
  });
  if (data.state !== 'open') return;
  await evaluatePullRequest(svc, octokit, installationOf(context), factsFromPayload({ repository, pull_request: data } as PullRequestPayloadLike));
}

export function eventRoutes(svc: Services): EventRoutes {
  return {
    async pull_request(context) {
      const p = context.payload as PullRequestPayloadLike & {
        action: string;
        changes?: { base?: unknown };
        label?: { name: string };
        repository: Repository;
        pull_request: { head: { sha: string }; number: number };
      };
      // An edit matters only when it moved the base branch; a label only when it waives a check.
      const relevant =
        EVALUATED_ACTIONS.has(p.action) ||
        (p.action === 'edited' && p.changes?.base !== undefined) ||
        ((p.action === 'labeled' || p.action === 'unlabeled') && (await isWaiverLabel(svc, context, p.label?.name)));
      if (!relevant) return;
      if (isConfigRepo(svc, p.repository)) {
        await validateConfigCommit(svc, octokitOf(context), installationOf(context), { owner: p.repository.owner.login, name: p.repository.name }, p.pull_request.head.sha, p.pull_request.number);
        return;
      }
      await evaluatePullRequest(svc, octokitOf(context), installationOf(context), factsFromPayload(p));
    },

    async check_run(context) {
      const p = context.payload as { action: string; repository: Repository; check_run: { head_sha: string; pull_requests: Array<{ number: number }> } };
      if (p.action !== 'rerequested') return;
      await rerun(svc, context, p.repository, p.check_run.head_sha, p.check_run.pull_requests);
    },

    async check_suite(context) {
      const p = context.payload as { action: string; repository: Repository; check_suite: { head_sha: string; pull_requests: Array<{ number: number }> } };
      if (p.action !== 'rerequested') return;
      await rerun(svc, context, p.repository, p.check_suite.head_sha, p.check_suite.pull_requests);
    },

    async push(context) {
      const p = context.payload as Parameters<typeof onConfigPush>[3] & { repository: Repository };
      if (!isConfigRepo(svc, p.repository)) return;
      await onConfigPush(svc, octokitOf(context), installationOf(context), p);
    },

    async pull_request_review(context) {
      const action = (context.payload as { action: string }).action;
      if (action !== 'submitted' && action !== 'dismissed') return;
      const approvals = await approvalsFor(svc, octokitOf(context), installationOf(context));
      await approvals.onReview(factsFromReviewPayload(context.payload));
    },

    async issue_comment(context) {
      const facts = factsFromCommentPayload(context.payload);
      if (!facts) return; // a comment on an issue, not a pull request
      const approvals = await approvalsFor(svc, octokitOf(context), installationOf(context));
      const outcome = await approvals.onComment(facts);
      if (outcome.kind === 'recheck') {
        await evaluateByNumber(svc, context, (context.payload as { repository: Repository }).repository, facts.prNumber);
      }
    },
  };
}

/** Does some pack of the installation waive its changelog check with this label? (Packs come from the sha-keyed cache.) */
async function isWaiverLabel(svc: Services, context: AnyContext, label: string | undefined): Promise<boolean> {
  if (label === undefined) return false;
  const owner = (context.payload as { repository: Repository }).repository.owner.login;
  const set = await svc.packs.load(octokitOf(context), installationOf(context), owner);
  return set.packs.some(
    (p) =>
      p.valid &&
      (p.pack.trackA?.comparators ?? []).some((c) => c.type === CHANGELOG && ChangelogConfig.safeParse(c.config).data?.waiverLabel === label),
  );
}

async function rerun(svc: Services, context: AnyContext, repository: Repository, headSha: string, prs: Array<{ number: number }>): Promise<void> {
  if (isConfigRepo(svc, repository)) {
    await validateConfigCommit(svc, octokitOf(context), installationOf(context), { owner: repository.owner.login, name: repository.name }, headSha);
    return;
  }
  for (const pr of prs) await evaluateByNumber(svc, context, repository, pr.number);
}
