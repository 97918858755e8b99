// The payload of a check run as PuddleJumper publishes it: produced by the pure
// report builders, carried by a `check_run.upsert` action, sent by its dispatcher.

export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title?: string;
  message: string;
  raw_details?: string;
}

export interface CheckRunPayload {
  name: string;
  headSha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: CheckConclusion;
  title: string;
  /** Markdown, at most 65,535 characters (GitHub's limit). */
  summary: string;
  text?: string;
  annotations: CheckAnnotation[];
  detailsUrl?: string;
  externalId?: string;
}

export const CHECK_SUMMARY_LIMIT = 65_535;
export const ANNOTATIONS_PER_REQUEST = 50;
