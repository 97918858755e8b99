// Facts the approval use cases need; github/payloads.ts reads them from webhook payloads.
import type { Actor } from './eligibility.js';

export interface ReviewFacts {
  action: 'submitted' | 'dismissed' | 'edited';
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
