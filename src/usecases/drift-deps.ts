// What Track B's use cases take (narrow ports, wired in routes-drift.ts) and the small
// helpers they share: which packs take a signal, a pack's doc target and the origin its
// actions carry (allowedOutputs included, so the judge enforces them on every action).
import type { DocTarget } from '../drift/item.js';
import type { DocProblem, MarkdownDoc } from '../drift/markdown.js';
import type { DriftRunInput } from '../drift/run.js';
import type { SpecOpsReader } from '../drift/detectors/api-reference.js';
import type { AuditEventInput } from '../governance/audit.js';
import type { PackOrigin } from '../governance/action.js';
import type { Pack } from '../packs/schema.js';
import { selectPacks } from '../packs/select.js';
import type { PackSet, ValidPack } from '../packs/types.js';
import type { DriftStore } from '../store/drift.js';
import type { Outbox } from './publish-checks.js';

/**
 * A doc, read: its text as the detectors see it (Markdown), the version a write compares
 * against, the branch (github), and for a Confluence page its title and the storage-format
 * body the Markdown was projected from (drift/storage-format.ts). `parsed` is the text
 * parsed off the event loop (a parse worker, src/sandbox) when the app has one: what reads
 * the doc's Markdown takes it instead of parsing the untrusted text in the app's thread.
 */
export type DocRead = { text: string; version: string; base?: string; title?: string; storage?: string; parsed?: MarkdownDoc | DocProblem } | { unavailable: string };

/** A doc read, as a drift run takes it: the text and its parse, or why it was not read. */
export function driftDocInput(doc: { text: string; parsed?: MarkdownDoc | DocProblem } | { unavailable: string }): Pick<DriftRunInput, 'docText' | 'docUnavailable' | 'parsed'> {
  if ('unavailable' in doc) return { docText: undefined, docUnavailable: doc.unavailable };
  return { docText: doc.text, ...(doc.parsed ? { parsed: doc.parsed } : {}) };
}

/** The doc targets (github, confluence) behind one interface: `read`; proposals are outbox actions built by the flush. */
export interface DocTargets {
  read(target: DocTarget): Promise<DocRead>;
  /** A github doc at an earlier commit of its repo (to carry patches onto a newer text); undefined where there is none. */
  readAt?(target: DocTarget, ref: string): Promise<DocRead>;
}

export interface DriftDeps {
  installationId: number;
  /** The installation's account (where the config repo is). */
  owner: string;
  packs(): Promise<PackSet>;
  docs: DocTargets;
  /** Reads a changed spec's operations (api_reference) in a parse worker within the deadline, when the app has one. */
  specOps?: SpecOpsReader;
  store: DriftStore;
  outbox: Outbox;
  audit(event: AuditEventInput): Promise<unknown>;
  now: () => Date;
}

export const DRIFT_BRANCH_PREFIX = 'puddlejumper/drift/';

export function docTargetOf(pack: Pack): DocTarget | undefined {
  const d = pack.trackB?.primaryDoc;
  if (!d) return undefined;
  return {
    system: d.system,
    ...(d.repo ? { repo: d.repo } : {}),
    ...(d.path ? { path: d.path } : {}),
    ...(d.id ? { id: d.id } : {}),
    ...(d.class ? { class: d.class } : {}),
  };
}

/** A github doc without a repo lives in the repo of the change. */
export function resolveTarget(target: DocTarget, sourceRepo: string): DocTarget {
  return target.system === 'github' && target.repo === undefined ? { ...target, repo: sourceRepo } : target;
}

export function driftOrigin(p: ValidPack): PackOrigin {
  return {
    packId: p.pack.id,
    versionHash: p.versionHash,
    valid: true,
    testMode: p.pack.testMode.enabled,
    allowedOutputs: [...(p.pack.trackB?.allowedOutputs ?? [])],
  };
}

export type SignalKind = 'github_pr' | 'github_push';

function takes(pack: Pack, kind: SignalKind): boolean {
  const sources = pack.trackB?.inputSources ?? [];
  if (sources.length === 0) return true;
  return sources.some((s) => s.enabled !== false && s.type === kind);
}

/** Valid packs with Track B on and a primary doc that govern this repo (paths ignored when `paths` is undefined). */
export function trackBPacks(set: PackSet, repo: string, paths: readonly string[] | undefined, kind?: SignalKind): ValidPack[] {
  return selectPacks(set, repo, paths ?? [], paths === undefined ? { ignorePaths: true } : {}).filter(
    (p): p is ValidPack => p.valid && p.pack.trackB !== undefined && p.pack.trackB.enabled && p.pack.trackB.primaryDoc !== undefined && (kind === undefined || takes(p.pack, kind)),
  );
}
