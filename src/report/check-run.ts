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

/**
 * The most annotations one check run carries: GitHub appends every update's annotations,
 * so 5,000 errors would be 100 writes. The rest are counted in the summary ("and N more").
 */
export const MAX_ANNOTATIONS = 500;

const LEVEL_RANK = { failure: 0, warning: 1, notice: 2 } as const;

/**
 * At most MAX_ANNOTATIONS, failures first, then warnings, then notices (each in its given
 * order), and how many were left out.
 */
export function capAnnotations(annotations: readonly CheckAnnotation[], max = MAX_ANNOTATIONS): { annotations: CheckAnnotation[]; omitted: number } {
  if (annotations.length <= max) return { annotations: [...annotations], omitted: 0 };
  const ranked = annotations.map((a, i) => ({ a, i })).sort((x, y) => LEVEL_RANK[x.a.annotation_level] - LEVEL_RANK[y.a.annotation_level] || x.i - y.i);
  return { annotations: ranked.slice(0, max).map((r) => r.a), omitted: annotations.length - max };
}

/** The summary's note on the annotations left out: "500 errors are annotated …, and 4500 more are not …". */
export function omittedNote(shown: number, omitted: number, noun: string): string {
  return `${shown} ${noun} are annotated on their lines, and ${omitted} more are not: a check run carries at most ${MAX_ANNOTATIONS} annotations.`;
}
