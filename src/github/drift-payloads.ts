// The webhook payloads Track B reads beyond those of Track A, parsed with zod at the edge:
// a closed pull request (merged or not, and its head branch: a remediation PR's is ours),
// a push to a branch, and an edited issue (the digest's checkboxes).
import { z } from 'zod';
import type { PullRequest } from '../change/changeset.js';
import type { CommentFacts } from '../approvals/facts.js';
import { ApiPullRequest, PayloadError, pullRequestFacts } from './payloads.js';

const User = z.object({ login: z.string(), type: z.string().default('User') });
const Repository = z.object({ name: z.string(), full_name: z.string(), default_branch: z.string().optional(), master_branch: z.string().optional() });
const Installation = z.object({ id: z.number() });

function parse<T extends z.ZodType>(schema: T, event: string, payload: unknown): z.infer<T> {
  const r = schema.safeParse(payload);
  if (!r.success) throw new PayloadError(event, r.error);
  return r.data;
}

const PullRequestDetail = ApiPullRequest.extend({
  merged: z.boolean().nullish(),
  merge_commit_sha: z.string().nullish(),
  head: z.object({ sha: z.string(), ref: z.string().optional() }),
  body: z.string().nullish(),
});

const PullRequestWithSender = z.object({
  action: z.string(),
  installation: Installation,
  repository: Repository,
  pull_request: PullRequestDetail,
  sender: User,
});

export interface PullRequestSignal {
  action: string;
  pr: PullRequest;
  merged: boolean;
  /** The merge commit on the base branch (the signal's identity), else the head sha. */
  mergeSha: string;
  body: string;
  sender: { login: string; type: string };
}

export function readPullRequestSignal(payload: unknown): PullRequestSignal {
  const p = parse(PullRequestWithSender, 'pull_request', payload);
  return {
    action: p.action,
    pr: pullRequestFacts(p.installation.id, p.repository.full_name, p.pull_request),
    merged: p.pull_request.merged === true,
    mergeSha: p.pull_request.merge_commit_sha ?? p.pull_request.head.sha,
    body: p.pull_request.body ?? '',
    sender: { login: p.sender.login, type: p.sender.type },
  };
}

const PushEvent = z.object({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  created: z.boolean().optional(),
  installation: Installation,
  repository: Repository,
  sender: User.optional(),
});

export interface PushSignal {
  installationId: number;
  repo: string;
  ref: string;
  before: string;
  after: string;
  deleted: boolean;
  created: boolean;
  defaultBranch: string | undefined;
  sender: { login: string; type: string } | undefined;
}

export function readPushSignal(payload: unknown): PushSignal {
  const p = parse(PushEvent, 'push', payload);
  return {
    installationId: p.installation.id,
    repo: p.repository.full_name,
    ref: p.ref,
    before: p.before,
    after: p.after,
    deleted: p.deleted === true,
    created: p.created === true,
    defaultBranch: p.repository.default_branch ?? p.repository.master_branch,
    sender: p.sender ? { login: p.sender.login, type: p.sender.type } : undefined,
  };
}

const IssuesEvent = z.object({
  action: z.string(),
  installation: Installation,
  repository: Repository,
  issue: z.object({ number: z.number(), body: z.string().nullish(), pull_request: z.unknown().optional() }),
  changes: z.object({ body: z.object({ from: z.string().nullish() }).optional() }).optional(),
  sender: User,
});

export interface IssueEdit {
  action: string;
  installationId: number;
  repo: string;
  number: number;
  body: string;
  previousBody: string | undefined;
  sender: { login: string; type: string };
}

export function readIssueEdit(payload: unknown): IssueEdit {
  const p = parse(IssuesEvent, 'issues', payload);
  return {
    action: p.action,
    installationId: p.installation.id,
    repo: p.repository.full_name,
    number: p.issue.number,
    body: p.issue.body ?? '',
    previousBody: p.changes?.body?.from ?? undefined,
    sender: { login: p.sender.login, type: p.sender.type },
  };
}

const IssueCommentEvent = z.object({
  action: z.string(),
  installation: Installation,
  repository: Repository,
  issue: z.object({ number: z.number(), user: User.nullable(), pull_request: z.unknown().optional() }),
  comment: z.object({ id: z.union([z.number(), z.string()]).transform(String), body: z.string().nullish(), user: User, created_at: z.string().optional() }),
  changes: z.object({ body: z.object({ from: z.string() }).optional() }).optional(),
  sender: User,
});

/** A comment on an issue (not a pull request): a Confluence proposal issue's `/approve`. Undefined for a PR's comment. */
export function readIssueComment(payload: unknown): (CommentFacts & { installationId: number }) | undefined {
  const p = parse(IssueCommentEvent, 'issue_comment', payload);
  if (p.issue.pull_request !== undefined && p.issue.pull_request !== null) return undefined;
  if (p.action !== 'created' && p.action !== 'edited' && p.action !== 'deleted') return undefined;
  return {
    action: p.action,
    installationId: p.installation.id,
    repo: p.repository.full_name,
    prNumber: p.issue.number,
    prAuthor: p.issue.user?.login ?? 'ghost',
    comment: { id: p.comment.id, body: p.comment.body ?? '', user: p.comment.user, ...(p.comment.created_at !== undefined ? { createdAt: p.comment.created_at } : {}) },
    ...(p.changes?.body ? { previousBody: p.changes.body.from } : {}),
    sender: p.sender,
  };
}
