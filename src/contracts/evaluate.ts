// Track A evaluation: run each selected pack's comparators on what the PR changes.
// Pure except for ChangeSet reads; time is passed in. Fail closed throughout: an
// invalid pack, an unknown comparator, a config that does not parse or a comparator
// that throws all end up as findings (or invalid-pack entries) — never as a pass.
import type { ChangeSet, ChangedFile } from '../change/changeset.js';
import type { Severity } from '../packs/schema.js';
import type { LoadedPack, MissingConfig, PackError, ValidPack } from '../packs/types.js';
import type { Comparator as ComparatorEntry } from '../packs/schema.js';
import { DEFAULT_ENFORCEMENT, compareFindings, makeFinding, type Finding } from './findings.js';
import { getComparator } from './registry.js';
import type { OpenApiEngine } from './comparators/types.js';
import { atLeast, blockThreshold, maxSeverity } from './scoring.js';

export interface PackEvaluation {
  packId: string;
  name: string;
  file: string;
  versionHash: string;
  mode: 'warn' | 'block';
  testMode: boolean;
  /** Highest score first. */
  findings: Finding[];
  /** The severity at which this pack blocks in block mode (scoring.ts blockThreshold). */
  blockAt: Severity;
  /** The findings at or above blockAt: the ones that need the approval chain in block mode. */
  gated: Finding[];
  /** Block mode with gated findings: what the pack would do outside test mode. */
  wouldBlock: boolean;
  /** Holds the merge until its approval chain is done: wouldBlock and not in test mode. */
  blocks: boolean;
  highestSeverity?: Severity;
}

export interface InvalidPackEvaluation {
  file: string;
  id?: string;
  errors: PackError[];
}

export interface ContractsEvaluation {
  repo: string;
  baseSha: string;
  headSha: string;
  packs: PackEvaluation[];
  /** Invalid packs that govern this PR: each fails the check (fail closed). */
  invalidPacks: InvalidPackEvaluation[];
  /** Over the packs not in test mode (test mode never drives approvals). undefined: no findings. */
  highestSeverity?: Severity;
  /** Holds the merge: some pack not in test mode blocks, or an invalid pack governs the PR. */
  blocks: boolean;
  /** Things the reader should know (e.g. a truncated file list). */
  notes: string[];
  /** No pack applies because the config repo (or its packs folder) could not be read; `required`: PJ_REQUIRE_CONFIG. */
  configMissing?: MissingConfig & { required: boolean };
}

export interface EvaluateInput {
  changes: ChangeSet;
  /** Already selected for this PR. */
  packs: LoadedPack[];
  now: Date;
  /** The OpenAPI engine the comparators use (default: in-process). */
  openapi?: OpenApiEngine;
}

export async function evaluateContracts({ changes: source, packs, now, openapi }: EvaluateInput): Promise<ContractsEvaluation> {
  const changes = memoReads(source);
  const invalidPacks: InvalidPackEvaluation[] = [];
  const valid: ValidPack[] = [];
  for (const p of packs) {
    if (p.valid) valid.push(p);
    else invalidPacks.push({ file: p.file, ...(p.id !== undefined ? { id: p.id } : {}), errors: p.errors });
  }
  const wantsTrackA = valid.filter((p) => p.pack.trackA?.enabled && p.pack.trackA.comparators.some((c) => c.enabled));
  // No comparator to run: not even the file list is fetched.
  const files = wantsTrackA.length > 0 ? await changes.files() : [];
  const memo = new Map<string, Promise<unknown>>();
  const results: PackEvaluation[] = [];
  for (const pack of valid) {
    results.push(await evaluatePack(pack, changes, files, now, memo, openapi));
  }
  const notes: string[] = [];
  if (changes.truncated) {
    notes.push('GitHub lists at most 3000 files of a pull request and this one has more: path-based checks saw only the first 3000 (configured specs were compared regardless).');
  }
  const live = results.filter((r) => !r.testMode);
  const highest = maxSeverity(live.flatMap((r) => (r.highestSeverity ? [r.highestSeverity] : [])));
  return {
    repo: changes.repo,
    baseSha: changes.baseSha,
    headSha: changes.headSha,
    packs: results,
    invalidPacks,
    ...(highest !== undefined ? { highestSeverity: highest } : {}),
    blocks: invalidPacks.length > 0 || live.some((r) => r.blocks),
    notes,
  };
}

async function evaluatePack(
  pack: ValidPack,
  changes: ChangeSet,
  files: ChangedFile[],
  now: Date,
  memo: Map<string, Promise<unknown>>,
  openapi: OpenApiEngine | undefined,
): Promise<PackEvaluation> {
  const trackA = pack.pack.trackA;
  const enforcement = trackA?.enforcement ?? DEFAULT_ENFORCEMENT;
  const findings: Finding[] = [];
  if (trackA?.enabled) {
    for (const entry of trackA.comparators) {
      if (!entry.enabled) continue;
      findings.push(...(await runComparator(pack, entry, changes, files, now, memo, openapi)));
    }
  }
  findings.sort(compareFindings);
  dropSupersededVersionNotes(findings, trackA?.comparators ?? []);
  const blockAt = blockThreshold(pack.pack);
  const gated = findings.filter((f) => atLeast(f.severity, blockAt));
  const testMode = pack.pack.testMode.enabled;
  const wouldBlock = enforcement.mode === 'block' && gated.length > 0;
  const highest = maxSeverity(findings.map((f) => f.severity));
  return {
    packId: pack.pack.id,
    name: pack.pack.name,
    file: pack.file,
    versionHash: pack.versionHash,
    mode: enforcement.mode,
    testMode,
    findings,
    blockAt,
    gated,
    wouldBlock,
    blocks: wouldBlock && !testMode,
    ...(highest !== undefined ? { highestSeverity: highest } : {}),
  };
}

/**
 * The engine notes a missing major bump (oasdiff's INFO api-major-version-not-bumped);
 * with openapi.version_bump configured that comparator owns the question and says it
 * louder, on the same line. One message per problem.
 */
function dropSupersededVersionNotes(findings: Finding[], comparators: ComparatorEntry[]): void {
  if (!comparators.some((c) => c.enabled && c.type === 'openapi.version_bump')) return;
  for (let i = findings.length - 1; i >= 0; i--) {
    if (findings[i]!.comparator === 'openapi.diff' && findings[i]!.ruleId === 'api-major-version-not-bumped') findings.splice(i, 1);
  }
}

async function runComparator(
  pack: ValidPack,
  entry: ComparatorEntry,
  changes: ChangeSet,
  files: ChangedFile[],
  now: Date,
  memo: Map<string, Promise<unknown>>,
  openapi: OpenApiEngine | undefined,
): Promise<Finding[]> {
  const failed = (message: string) => [makeFinding(pack, entry, { ruleId: 'comparator-failed', level: 'ERR', failClosed: true, message })];
  const impl = getComparator(entry.type);
  if (!impl) return failed(`comparator failed: unknown comparator type "${entry.type}" in ${pack.file}`);
  const config = impl.configSchema.safeParse(entry.config);
  if (!config.success) {
    const first = config.error.issues[0];
    return failed(`comparator failed: ${entry.type} config in ${pack.file} is invalid: ${first ? `${first.path.join('.') || '(config)'}: ${first.message}` : 'invalid'}`);
  }
  try {
    const withDefaults = { ...entry, config: config.data as Record<string, unknown> };
    return await impl.run({ changes, files, pack, comparator: withDefaults, now, memo, ...(openapi ? { openapi } : {}) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return failed(`comparator failed: ${entry.type}: ${reason}`);
  }
}

/** The same ChangeSet, with each file read at most once per evaluation (comparators share specs). */
function memoReads(source: ChangeSet): ChangeSet {
  const base = new Map<string, Promise<string | undefined>>();
  const head = new Map<string, Promise<string | undefined>>();
  const once = (cache: Map<string, Promise<string | undefined>>, path: string, read: () => Promise<string | undefined>) => {
    let p = cache.get(path);
    if (!p) {
      p = read();
      cache.set(path, p);
    }
    return p;
  };
  return {
    repo: source.repo,
    baseSha: source.baseSha,
    headSha: source.headSha,
    ...(source.number !== undefined ? { number: source.number } : {}),
    author: source.author,
    labels: source.labels,
    get truncated() {
      return source.truncated;
    },
    files: () => source.files(),
    readBase: (path) => once(base, path, () => source.readBase(path)),
    readHead: (path) => once(head, path, () => source.readHead(path)),
  };
}
