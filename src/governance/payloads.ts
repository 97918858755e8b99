// Payload shapes per action kind, validated at judgement (an invalid payload is denied, not thrown at dispatch).
import { z } from 'zod';

const Repo = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/, 'must be "owner/repo"');

const Annotation = z.object({
  path: z.string().min(1),
  start_line: z.number().int().min(1),
  end_line: z.number().int().min(1),
  start_column: z.number().int().min(1).optional(),
  end_column: z.number().int().min(1).optional(),
  annotation_level: z.enum(['notice', 'warning', 'failure']),
  title: z.string().optional(),
  message: z.string().min(1),
  raw_details: z.string().optional(),
});

export const CheckRunPayloadSchema = z.object({
  name: z.string().min(1),
  headSha: z.string().regex(/^[0-9a-f]{7,64}$/i, 'must be a commit sha'),
  status: z.enum(['queued', 'in_progress', 'completed']),
  conclusion: z.enum(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required']).optional(),
  title: z.string(),
  summary: z.string().max(65_535),
  text: z.string().optional(),
  annotations: z.array(Annotation),
  detailsUrl: z.string().optional(),
  externalId: z.string().optional(),
}).refine((p) => p.status !== 'completed' || p.conclusion !== undefined, { message: 'a completed check run needs a conclusion' });

export const CommentPayloadSchema = z.object({
  repo: Repo,
  issueNumber: z.number().int().min(1),
  body: z.string(),
  marker: z.string().min(1),
});
export type CommentPayload = z.infer<typeof CommentPayloadSchema>;

export const IssuePayloadSchema = z.object({
  repo: Repo,
  title: z.string().min(1),
  body: z.string(),
  marker: z.string().min(1),
  labels: z.array(z.string().min(1)).optional(),
  /** closed: the issue is closed (and not created when none exists), e.g. an empty digest. */
  state: z.enum(['open', 'closed']).optional(),
  /** A Confluence proposal issue (Track B): the chain its update waits for starts on it once it has a number. */
  proposal: z.object({ chainKey: z.string().min(1), severity: z.enum(['info', 'low', 'medium', 'high', 'critical']) }).optional(),
});
export type IssuePayload = z.infer<typeof IssuePayloadSchema>;

export const PullRequestPayloadSchema = z
  .object({
    repo: Repo,
    base: z.string().min(1),
    branch: z.string().min(1),
    title: z.string().min(1),
    body: z.string(),
    marker: z.string().min(1),
    files: z.array(z.object({ path: z.string().min(1), content: z.string() })),
    commitMessage: z.string().min(1),
    /**
     * Renovate-style branch (Track B): the branch is one commit on the base's head, rebuilt
     * (force-updated) on each revision — unless a person committed to it, which stops all
     * updates. `expectBlob`: the doc's blob on the base that the files were computed from.
     */
    rebuild: z.object({ expectBlob: z.object({ path: z.string().min(1), sha: z.string().min(1) }).optional() }).optional(),
    /** Only the PR's title and body are updated (a stopped remediation); nothing is committed. */
    bodyOnly: z.boolean().optional(),
    /** With `bodyOnly`: the PR is closed too (all its items were resolved elsewhere). */
    close: z.boolean().optional(),
    /** With `close`: said in a comment on the PR first (found again by its marker on a retry). */
    closeComment: z.string().min(1).optional(),
    reviewers: z.array(z.string().min(1)).optional(),
    teamReviewers: z.array(z.string().min(1)).optional(),
    /** Ask GitHub to merge it once its checks and reviews allow (where the repo allows auto-merge). */
    autoMerge: z.boolean().optional(),
  })
  .refine((p) => p.bodyOnly === true || p.files.length > 0, { message: 'at least one file is needed', path: ['files'] });
export type PullRequestPayload = z.infer<typeof PullRequestPayloadSchema>;

export const SlackPayloadSchema = z.object({
  target: z.string().min(1),
  text: z.string().min(1),
  blocks: z.array(z.unknown()).optional(),
  /** The chain's own message: later revisions of the key update it in place (chat.update). */
  chainMessage: z.boolean().optional(),
  /** Reply in the thread of the message posted by the action with this idempotency key. */
  threadKey: z.string().min(1).optional(),
  /** The state's time: a chain message older than the one shown is not applied. */
  asOf: z.string().optional(),
});
export type SlackPayload = z.infer<typeof SlackPayloadSchema>;

export const WebhookPayloadSchema = z.object({
  target: z.string().min(1),
  event: z.string().min(1),
  occurredAt: z.string().optional(),
  body: z.unknown(),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

export const EmailPayloadSchema = z.object({
  to: z.email(),
  subject: z.string().min(1).max(998),
  text: z.string().min(1),
  html: z.string().min(1),
  thread: z.string().min(1).optional(),
});
export type EmailPayload = z.infer<typeof EmailPayloadSchema>;

export const PagerDutyPayloadSchema = z.object({
  routingKeyEnv: z.string().min(1),
  eventAction: z.enum(['trigger', 'resolve']),
  dedupKey: z.string().min(1).max(255),
  summary: z.string().min(1).max(1024),
  severity: z.enum(['critical', 'error', 'warning', 'info']),
  source: z.string().min(1),
  link: z.string().optional(),
  customDetails: z.record(z.string(), z.unknown()).optional(),
});
export type PagerDutyPayload = z.infer<typeof PagerDutyPayloadSchema>;

const Login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'must be a GitHub login');
const TeamSlug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a team slug');
export const ReviewRequestPayloadSchema = z.object({
  repo: Repo,
  prNumber: z.number().int().min(1),
  reviewers: z.array(Login),
  teamReviewers: z.array(TeamSlug),
  withdrawReviewers: z.array(Login),
  withdrawTeamReviewers: z.array(TeamSlug),
  /** The state's time: a sync older than the last applied one is skipped. */
  asOf: z.string().optional(),
});
export type ReviewRequestPayload = z.infer<typeof ReviewRequestPayloadSchema>;

/** Undefined when valid, else "invalid KIND payload: path: message". */
export function payloadProblem(kind: string, schema: z.ZodType, payload: unknown): string | undefined {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `invalid ${kind} payload: ${where}${issue?.message ?? 'does not match its schema'}`;
}
