// Track B's pure core, for the use cases that wire it to GitHub, the store and the outbox.
export type { ChangeClass, DocPatch, DocTarget, DriftItem, Evidence, TextEdit } from './item.js';
export { applyPatch, applyPatches, docKey, isProblem, PatchConflictError } from './item.js';
export { runDrift, SKIP_DRIFT_LABEL, type DriftRunInput, type DriftRunResult } from './run.js';
export { route, score, severityOf, materialityScore, type Band, type Routed, type ScoredItem } from './materiality.js';
export { addItems, emptyWindow, flushKey, resolveItems, tick, type AccumulationEvent, type PendingItem, type SourceRef, type WindowState } from './accumulation.js';
export { dedupe, resolvedItems, unseen, type Resolved } from './noise.js';
export { MAX_DOC_BYTES } from './markdown.js';
