// Approval inputs remembered beyond a chain (migrations/010_dismissed_reviews.ts).

export interface DismissedReviewsTable {
  repo: string;
  review_id: string;
  pr_number: number;
  dismissed_by: string;
  dismissed_at: string;
}

export interface ReplyLimitsTable {
  key: string;
  replied_at: string;
}

export interface ApprovalInputTables {
  dismissed_reviews: DismissedReviewsTable;
  reply_limits: ReplyLimitsTable;
}
