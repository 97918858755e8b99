// The webhook payloads PuddleJumper reads, parsed with zod at the edge (never cast), and
// turned into the facts the use cases take. A payload that lacks what is read is an error
// naming the field, so the delivery is recorded as failed and can be redelivered.
import { z } from 'zod';
import type { CommentFacts, ReviewFacts } from '../approvals/facts.js';
import type { PullRequest } from '../change/changeset.js';

const User = z.object({ login: z.string(), type: z.string().default('User') });
const Repository = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string().optional(), name: z.string().nullish() }).nullable(),
  default_branch: z.string().optional(),
  master_branch: z.string().optional(),
});
const Installation = z.object({ id: z.number() });
const Id = z.union([z.number(), z.string()]).transform(String);

export class PayloadError extends Error {
  constructor(event: string, error: z.ZodError) {
    const first = error.issues[0];
    super(`${event} webhook payload: ${first ? `${first.path.join('.') || '(payload)'}: ${first.message}` : 'invalid'}`);
    this.name = 'PayloadError';
  }
}

function parse<T extends z.ZodType>(schema: T, event: string, payload: unknown): z.infer<T> {
  const r = schema.safeParse(payload);
  if (!r.success) throw new PayloadError(event, r.error);
  return r.data;
}

/** A pull request as the API and the webhooks give it. */
export const ApiPullRequest = z.object({
  number: z.number(),
  state: z.string().optional(),
  created_at: z.string().optional(),
  base: z.object({ sha: z.string(), ref: z.string().optional() }),
  head: z.object({ sha: z.string(), ref: z.string().optional() }),
  user: User.nullable(),
  labels: z.array(z.object({ name: z.string() })).optional(),
  changed_files: z.number().optional(),
});
export type ApiPullRequest = z.infer<typeof ApiPullRequest>;

export function pullRequestFacts(installationId: number, repo: string, pr: ApiPullRequest): PullRequest {
  return {
    installationId,
    repo,
    number: pr.number,
    baseSha: pr.base.sha,
    headSha: pr.head.sha,
    ...(pr.base.ref !== undefined ? { baseRef: pr.base.ref } : {}),
    ...(pr.head.ref !== undefined ? { headRef: pr.head.ref } : {}),
    author: { login: pr.user?.login ?? 'ghost', type: pr.user?.type ?? 'User' },
    labels: (pr.labels ?? []).map((l) => l.name),
    ...(pr.changed_files !== undefined ? { changedFiles: pr.changed_files } : {}),
  };
}

const PullRequestEvent = z.object({
  action: z.string(),
  installation: Installation,
  repository: Repository,
  pull_request: ApiPullRequest,
  changes: z.object({ base: z.unknown().optional() }).optional(),
  label: z.object({ name: z.string() }).optional(),
});

export interface PullRequestEvent {
  action: string;
  pr: PullRequest;
  /** An `edited` event that moved the base branch. */
  baseChanged: boolean;
  label?: string;
  repository: { name: string; fullName: string };
}

export function readPullRequestEvent(payload: unknown): PullRequestEvent {
  const p = parse(PullRequestEvent, 'pull_request', payload);
  return {
    action: p.action,
    pr: pullRequestFacts(p.installation.id, p.repository.full_name, p.pull_request),
    baseChanged: p.changes?.base !== undefined,
    ...(p.label ? { label: p.label.name } : {}),
    repository: { name: p.repository.name, fullName: p.repository.full_name },
  };
}

const Rerequested = z.object({
  action: z.string(),
  installation: Installation,
  repository: Repository,
  check_run: z.object({ head_sha: z.string(), pull_requests: z.array(z.object({ number: z.number() })) }).optional(),
  check_suite: z.object({ head_sha: z.string(), pull_requests: z.array(z.object({ number: z.number() })) }).optional(),
});

/** check_run / check_suite `rerequested`: the head and the PRs it belongs to. */
export function readRerequest(event: 'check_run' | 'check_suite', payload: unknown) {
  const p = parse(Rerequested, event, payload);
  const target = p[event];
  if (!target) throw new PayloadError(event, new z.ZodError([{ code: 'custom', path: [event], message: 'missing', input: undefined }]));
  return {
    action: p.action,
    installationId: p.installation.id,
    repository: { name: p.repository.name, fullName: p.repository.full_name },
    headSha: target.head_sha,
    prNumbers: target.pull_requests.map((x) => x.number),
  };
}

/** A push to the config repo, as far as it is read. */
export interface ConfigPush {
  installationId: number;
  /** "owner/name" of the config repo. */
  repo: string;
  ref: string;
  after: string;
  deleted: boolean;
  defaultBranch: string | undefined;
  /** Every path the push's commits added, modified or removed. */
  changedPaths: string[];
}

const PushEvent = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  installation: Installation,
  repository: Repository,
  commits: z.array(z.object({ added: z.array(z.string()).optional(), modified: z.array(z.string()).optional(), removed: z.array(z.string()).optional() })).optional(),
});

export function readPush(payload: unknown): ConfigPush & { repository: { name: string } } {
  const p = parse(PushEvent, 'push', payload);
  return {
    installationId: p.installation.id,
    repo: p.repository.full_name,
    repository: { name: p.repository.name },
    ref: p.ref,
    after: p.after,
    deleted: p.deleted === true,
    defaultBranch: p.repository.default_branch ?? p.repository.master_branch,
    changedPaths: (p.commits ?? []).flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]),
  };
}

const ReviewEvent = z.object({
  action: z.string(),
  installation: Installation,
  repository: Repository,
  pull_request: z.object({ number: z.number(), user: User.nullable(), head: z.object({ sha: z.string() }) }),
  review: z.object({ id: Id, state: z.string(), commit_id: z.string(), user: User, body: z.string().nullish() }),
  sender: User,
});

/** pull_request_review: submitted, dismissed or edited; undefined for other actions. */
export function readReview(payload: unknown): (ReviewFacts & { installationId: number }) | undefined {
  const p = parse(ReviewEvent, 'pull_request_review', payload);
  if (p.action !== 'submitted' && p.action !== 'dismissed' && p.action !== 'edited') return undefined;
  return {
    action: p.action,
    installationId: p.installation.id,
    repo: p.repository.full_name,
    prNumber: p.pull_request.number,
    prAuthor: p.pull_request.user?.login ?? 'ghost',
    prHeadSha: p.pull_request.head.sha,
    review: {
      id: p.review.id,
      state: p.review.state.toLowerCase(),
      commitId: p.review.commit_id,
      user: p.review.user,
      ...(typeof p.review.body === 'string' ? { body: p.review.body } : {}),
    },
    sender: p.sender,
  };
}

const CommentEvent = z.object({
  action: z.string(),
  installation: Installation,
  repository: Repository,
  issue: z.object({ number: z.number(), user: User.nullable(), pull_request: z.unknown().optional() }),
  comment: z.object({ id: Id, body: z.string().nullish(), user: User, created_at: z.string().optional() }),
  changes: z.object({ body: z.object({ from: z.string() }).optional() }).optional(),
  sender: User,
});

/** issue_comment on a pull request; undefined on a plain issue or for another action. */
export function readComment(payload: unknown): (CommentFacts & { installationId: number }) | undefined {
  const p = parse(CommentEvent, 'issue_comment', payload);
  if (p.issue.pull_request === undefined || p.issue.pull_request === null) return undefined;
  if (p.action !== 'created' && p.action !== 'edited' && p.action !== 'deleted') return undefined;
  return {
    action: p.action,
    installationId: p.installation.id,
    repo: p.repository.full_name,
    prNumber: p.issue.number,
    prAuthor: p.issue.user?.login ?? 'ghost',
    comment: {
      id: p.comment.id,
      body: p.comment.body ?? '',
      user: p.comment.user,
      ...(p.comment.created_at !== undefined ? { createdAt: p.comment.created_at } : {}),
    },
    ...(p.changes?.body ? { previousBody: p.changes.body.from } : {}),
    sender: p.sender,
  };
}

const InstallationEvent = z.object({
  action: z.string(),
  installation: z.object({ id: z.number(), account: z.object({ login: z.string(), type: z.string() }).nullish() }),
  repositories: z.array(z.object({ full_name: z.string() })).optional(),
  repositories_added: z.array(z.object({ full_name: z.string() })).optional(),
  repositories_removed: z.array(z.object({ full_name: z.string().optional() })).optional(),
});

export interface InstallationChange {
  id: number;
  accountLogin: string;
  accountType: string;
  /** undefined: an action that changes nothing we keep. */
  status: 'active' | 'suspended' | 'deleted' | undefined;
  repositories?: string[];
  added: string[];
  removed: string[];
}

const STATUS_BY_ACTION: Record<string, 'active' | 'suspended' | 'deleted'> = {
  created: 'active',
  new_permissions_accepted: 'active',
  unsuspend: 'active',
  suspend: 'suspended',
  deleted: 'deleted',
};

/** installation and installation_repositories events. */
export function readInstallation(event: 'installation' | 'installation_repositories', payload: unknown): InstallationChange {
  const p = parse(InstallationEvent, event, payload);
  const base = { id: p.installation.id, accountLogin: p.installation.account?.login ?? 'unknown', accountType: p.installation.account?.type ?? 'unknown' };
  if (event === 'installation') {
    return { ...base, status: STATUS_BY_ACTION[p.action], ...(p.repositories ? { repositories: p.repositories.map((r) => r.full_name) } : {}), added: [], removed: [] };
  }
  return {
    ...base,
    status: 'active',
    added: (p.repositories_added ?? []).map((r) => r.full_name),
    removed: (p.repositories_removed ?? []).flatMap((r) => (r.full_name ? [r.full_name] : [])),
  };
}
