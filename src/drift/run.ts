// One drift detection: a change, one doc, a pack's Track B settings -> items. Pure (reads
// only through the ChangeSet). Never throws for bad input: a missing doc, a doc too large
// or not Markdown, a section that is not there, a bad config, an unreadable spec, a
// detector that fails, a change list cut at the host's limit — each is a `problem.*` item
// that says so, and the other detectors still run.
import { isChange, type ChangeSet } from '../change/changeset.js';
import type { DriftType, TrackB } from '../packs/schema.js';
import { DETECTORS } from './detectors/index.js';
import { problem } from './detectors/detector.js';
import type { SpecOpsReader } from './detectors/api-reference.js';
import type { DocTarget, DriftItem } from './item.js';
import { isDocProblem, parseDoc, MAX_DOC_BYTES, type DocProblem, type MarkdownDoc } from './markdown.js';
import { compilePatterns, dedupe, isIgnoredByPattern, withoutIgnoredPaths } from './noise.js';
import { DRIFT_TYPES, driftTypeConfigSchemas, type DriftTypeName } from './types.js';

export interface DriftRunInput {
  changes: ChangeSet;
  docTarget: DocTarget;
  /** The doc's current text; undefined when it does not exist. */
  docText: string | undefined;
  /** Why the doc could not be read, when `docText` is undefined (default: it does not exist). */
  docUnavailable?: string;
  /**
   * The doc already parsed from `docText` (the app parses an untrusted doc in a worker, off
   * its event loop, within a deadline: src/sandbox); without it the doc is parsed here.
   */
  parsed?: MarkdownDoc | DocProblem;
  /** Reads the operations of a changed spec (api_reference) in a parse worker with a deadline; default in this thread. */
  specOps?: SpecOpsReader;
  driftTypes: readonly DriftType[];
  noiseControls?: Partial<NonNullable<TrackB['noiseControls']>>;
  maxDocBytes?: number;
}

export interface DriftRunResult {
  items: DriftItem[];
  /** Items an ignore pattern dropped (kept for the audit log). */
  ignored: DriftItem[];
  /** Files the detectors looked at (after ignorePaths). */
  filesConsidered: number;
  /** True when the source PR carries the `skip-drift` label: nothing was looked at. */
  skippedByLabel?: boolean;
}

/** The label on a source pull request that turns drift detection off for it. */
export const SKIP_DRIFT_LABEL = 'skip-drift';

export async function runDrift(input: DriftRunInput): Promise<DriftRunResult> {
  const { docTarget } = input;
  if (input.changes.labels.some((l) => l.toLowerCase() === SKIP_DRIFT_LABEL)) return { items: [], ignored: [], filesConsidered: 0, skippedByLabel: true };
  const types = input.driftTypes.filter((t) => t.enabled !== false);
  const first = (types[0]?.type ?? 'instruction') as DriftTypeName;
  const docName = docTarget.path ?? docTarget.id ?? 'the doc';
  const items: DriftItem[] = [];
  const { patterns, invalid } = compilePatterns(input.noiseControls?.ignorePatterns ?? []);
  for (const bad of invalid) items.push(problem(first, { docTarget }, 'problem.ignore-pattern-invalid', `ignorePatterns: /${bad.pattern}/ is not a valid regular expression (${bad.reason}); it was not applied`));

  if (input.docText === undefined) {
    const why = input.docUnavailable ?? `${docName} does not exist${docTarget.repo ? ` in ${docTarget.repo}` : ''}`;
    items.push(problem(first, { docTarget }, 'problem.doc-missing', `${why}: nothing was checked for drift`));
    return { items, ignored: [], filesConsidered: 0 };
  }
  const doc = input.parsed ?? parseDoc(docName, input.docText, input.maxDocBytes ?? MAX_DOC_BYTES);
  if (isDocProblem(doc)) {
    items.push(problem(first, { docTarget }, doc.rule, doc.message, doc.line));
    return { items, ignored: [], filesConsidered: 0 };
  }
  for (const p of doc.problems) items.push(problem(first, { doc, docTarget }, p.rule, `${docName}: ${p.message}`, p.line));

  let files;
  try {
    files = withoutIgnoredPaths((await input.changes.files()).filter(isChange), input.noiseControls?.ignorePaths ?? []);
  } catch (error) {
    items.push(problem(first, { doc, docTarget }, 'problem.change-unreadable', `the changed files could not be listed: ${(error as Error).message}`));
    return { items, ignored: [], filesConsidered: 0 };
  }
  if (input.changes.truncated) {
    items.push(problem(first, { doc, docTarget }, 'problem.change-truncated', `the change lists more files than the host returns (${files.length} read): drift in the files beyond that was not looked for`));
  }

  for (const t of types) {
    if (!(DRIFT_TYPES as readonly string[]).includes(t.type)) {
      items.push(problem(first, { doc, docTarget }, 'problem.unknown-drift-type', `unknown drift type "${t.type}" (known: ${DRIFT_TYPES.join(', ')})`));
      continue;
    }
    const type = t.type as DriftTypeName;
    const parsed = driftTypeConfigSchemas.get(type)!.safeParse(t.config ?? {});
    if (!parsed.success) {
      items.push(problem(type, { doc, docTarget }, 'problem.config-invalid', `${type} config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`));
      continue;
    }
    try {
      const found = await DETECTORS[type]({ changes: input.changes, files, doc, docTarget, ...(t.sectionTarget ? { sectionTarget: t.sectionTarget } : {}), config: parsed.data as never, ...(input.specOps ? { specOps: input.specOps } : {}) });
      items.push(...found);
    } catch (error) {
      items.push(problem(type, { doc, docTarget }, 'problem.detector-failed', `the ${type} detector failed: ${(error as Error).message}`));
    }
  }
  const kept: DriftItem[] = [];
  const ignored: DriftItem[] = [];
  for (const it of dedupe(items)) (isIgnoredByPattern(it, patterns, input.docText) ? ignored : kept).push(it);
  return { items: kept, ignored, filesConsidered: files.length };
}
