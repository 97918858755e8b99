// Facts the approval use cases need, read from webhook payloads. Pure.
import type { Actor } from './eligibility.js';

export interface ReviewFacts {
  action: 'submitted' | 'dismissed' | 'edited';
  installationId?: number;
  repo: string;
  prNumber: number;
  prAuthor: string;
  /** The PR's head when the event was sent. */
  prHeadSha: string;
  review: {
    id: string;
    /** Lower-case: approved | changes_requested | commented | dismissed. */
    state: string;
    /** The commit the review was given on. */
    commitId: string;
    user: Actor;
    body?: string;
  };
  /** Who caused the event (for a dismissal: who dismissed). */
  sender: Actor;
}

export interface CommentFacts {
  action: 'created' | 'edited' | 'deleted';
  installationId?: number;
  repo: string;
  prNumber: number;
  prAuthor: string;
  /** The PR head when known (issue_comment payloads do not carry it); else the newest chain counts. */
  prHeadSha?: string;
  /** `createdAt`: when GitHub says the comment was posted (ISO 8601; absent only in hand-made facts). */
  comment: { id: string; body: string; user: Actor; createdAt?: string };
  /** For `edited`: the body before the edit. */
  previousBody?: string;
  sender: Actor;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const str = (v: unknown, what: string): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new Error(`webhook payload: ${what} is missing`);
};
const actor = (v: unknown, what: string): Actor => {
  const u = obj(v);
  return { login: str(u.login, `${what}.login`), type: typeof u.type === 'string' ? u.type : 'User' };
};

/** From a `pull_request_review` payload. */
export function factsFromReviewPayload(payload: unknown): ReviewFacts {
  const p = obj(payload);
  const action = str(p.action, 'action');
  if (action !== 'submitted' && action !== 'dismissed' && action !== 'edited') throw new Error(`pull_request_review.${action} is not handled`);
  const review = obj(p.review);
  const pr = obj(p.pull_request);
  const installation = obj(p.installation);
  const facts: ReviewFacts = {
    action,
    repo: str(obj(p.repository).full_name, 'repository.full_name'),
    prNumber: Number(str(pr.number, 'pull_request.number')),
    prAuthor: str(obj(pr.user).login, 'pull_request.user.login'),
    prHeadSha: str(obj(pr.head).sha, 'pull_request.head.sha'),
    review: {
      id: str(review.id, 'review.id'),
      state: str(review.state, 'review.state').toLowerCase(),
      commitId: str(review.commit_id, 'review.commit_id'),
      user: actor(review.user, 'review.user'),
      ...(typeof review.body === 'string' ? { body: review.body } : {}),
    },
    sender: actor(p.sender, 'sender'),
  };
  if (typeof installation.id === 'number') facts.installationId = installation.id;
  return facts;
}

/** From an `issue_comment` payload; undefined when the issue is not a pull request. */
export function factsFromCommentPayload(payload: unknown): CommentFacts | undefined {
  const p = obj(payload);
  const issue = obj(p.issue);
  if (issue.pull_request === undefined || issue.pull_request === null) return undefined;
  const action = str(p.action, 'action');
  if (action !== 'created' && action !== 'edited' && action !== 'deleted') return undefined;
  const comment = obj(p.comment);
  const installation = obj(p.installation);
  const facts: CommentFacts = {
    action,
    repo: str(obj(p.repository).full_name, 'repository.full_name'),
    prNumber: Number(str(issue.number, 'issue.number')),
    prAuthor: str(obj(issue.user).login, 'issue.user.login'),
    comment: {
      id: str(comment.id, 'comment.id'),
      body: typeof comment.body === 'string' ? comment.body : '',
      user: actor(comment.user, 'comment.user'),
      ...(typeof comment.created_at === 'string' ? { createdAt: comment.created_at } : {}),
    },
    sender: actor(p.sender, 'sender'),
  };
  const from = obj(obj(obj(p.changes).body)).from;
  if (typeof from === 'string') facts.previousBody = from;
  if (typeof installation.id === 'number') facts.installationId = installation.id;
  return facts;
}
