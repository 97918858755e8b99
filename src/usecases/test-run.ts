// Pack test runs: one pack (from the config repo at any ref, or a local file) over the
// last N pull requests of a repo, or one pull request — what it would find, whether it
// would block, and the approval chain it would require. It takes no outbox, no audit log
// and no chain store: nothing it does can reach GitHub's write API, the outbox or the
// audit log. The pack runs as if active and out of test mode (that is the question a test
// run answers); its own status and test mode are reported beside the result. A pack with
// Track B on also says, per PR, the drift items merging it would raise — routed by the
// pack's materiality — and the patch of each (the doc is read, nothing else happens).
import { combineChains } from '../approvals/template.js';
import type { ChangeSet, PullRequest } from '../change/changeset.js';
import { evaluateChange } from '../contracts/evaluate-change.js';
import type { Finding } from '../contracts/findings.js';
import type { LoadedPack, PackSet, ValidPack } from '../packs/types.js';
import type { DocTarget } from '../drift/item.js';
import { route, type Band } from '../drift/materiality.js';
import { runDrift } from '../drift/run.js';
import type { DocProblem, MarkdownDoc } from '../drift/markdown.js';
import type { OpenApiEngine } from '../contracts/comparators/types.js';
import { driftDocInput } from './drift-deps.js';
import type { SpecOpsReader } from '../drift/detectors/api-reference.js';

/** A doc read: its text and, where the reader parsed it off the event loop, that parse; or why it was not read. */
export type TestRunDoc = { text: string; parsed?: MarkdownDoc | DocProblem } | { unavailable: string };

/**
 * Reads a pack's primary doc (the github and Confluence targets Track B reads). The app's and
 * `pj test-run`'s readers parse it in a worker within PJ_PARSE_DEADLINE_MS (a doc past it is
 * unavailable, with why), as the drift check does.
 */
export interface TestRunDocs {
  read(target: DocTarget): Promise<TestRunDoc>;
}

export interface TestRunDeps<P extends PullRequest = PullRequest> {
  /** The pack set the pack is taken from (config repo at the ref, or a local folder/file). */
  packs(): Promise<PackSet>;
  /** The pull requests to try. */
  pulls(): Promise<P[]>;
  changes(pr: P): ChangeSet;
  /** Track B's doc reads; without it a Track B pack's drift is not tried (and the result says so). */
  docs?: TestRunDocs;
  /** The OpenAPI engine for the PRs' (untrusted) specs: the app's and the CLI's run in workers with a deadline; default in-process. */
  openapi?: OpenApiEngine;
  /** Reads a changed spec's operations for Track B's api_reference in a worker with a deadline; default in-process. */
  specOps?: SpecOpsReader;
  now: () => Date;
}

/** What merging the PR would raise against the pack's primary doc. */
export interface TestRunDrift {
  /** The doc, e.g. `acme/docs:runbooks/payments.md` or `confluence:12345`. */
  doc: string;
  items: Array<{ rule: string; message: string; subject: string; changeClass: string; severity: string; band: Band; score: number; section: string; docLine?: number; patch?: string }>;
  /** Why drift was not looked for (no doc reader, the doc unreadable). */
  error?: string;
}

export interface TestRunPr {
  number: number;
  title?: string;
  state?: string;
  headSha: string;
  /** The pack's scope, allowlist and path globs select this PR. */
  applies: boolean;
  findings: Finding[];
  highestSeverity?: string;
  wouldBlock: boolean;
  /** The chain it would require: groups of tiers (parallel within a group). */
  chain: Array<Array<{ tierId: string; name: string; users: string[]; teams: string[] }>>;
  mode?: string;
  /** Track B packs only. */
  drift?: TestRunDrift;
  error?: string;
}

export interface TestRunResult {
  pack: { id: string; file: string; versionHash?: string; valid: boolean; status?: string; testMode?: boolean; errors: string[] };
  configSha?: string;
  prs: TestRunPr[];
}

export class TestRunError extends Error {}

/** The pack named by id or by file path (as in the config repo, or its base name). */
export function pickPack(set: PackSet, which: string): LoadedPack {
  const byId = set.packs.filter((p) => (p.valid ? p.pack.id : p.id) === which);
  const byFile = set.packs.filter((p) => p.file === which || p.file.endsWith(`/${which}`));
  const found = byId[0] ?? byFile[0];
  if (!found) {
    const known = set.packs.map((p) => (p.valid ? p.pack.id : (p.id ?? p.file))).join(', ') || 'none';
    throw new TestRunError(`no pack "${which}" (packs: ${known})`);
  }
  return found;
}

export async function runPackTest<P extends PullRequest & { title?: string; state?: string }>(deps: TestRunDeps<P>, which: string): Promise<TestRunResult> {
  const set = await deps.packs();
  const picked = pickPack(set, which);
  const errors = picked.valid ? [] : picked.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.message}`);
  const result: TestRunResult = {
    pack: picked.valid
      ? { id: picked.pack.id, file: picked.file, versionHash: picked.versionHash, valid: true, status: picked.pack.status, testMode: picked.pack.testMode.enabled, errors }
      : { id: picked.id ?? picked.file, file: picked.file, valid: false, errors },
    ...(set.sha ? { configSha: set.sha } : {}),
    prs: [],
  };
  // As if active and enforcing: a draft or test-mode pack is exactly what one tries out.
  const running: LoadedPack = picked.valid ? ({ ...picked, pack: { ...picked.pack, status: 'active', testMode: { ...picked.pack.testMode, enabled: false } } } as ValidPack) : picked;
  const only: PackSet = { ...set, packs: [running] };
  // The doc is read once per run (every PR is compared with its text now).
  const reads = new Map<string, Promise<TestRunDoc>>();
  for (const pr of await deps.pulls()) {
    const base = { number: pr.number, headSha: pr.headSha, ...(pr.title !== undefined ? { title: pr.title } : {}), ...(pr.state !== undefined ? { state: pr.state } : {}) };
    try {
      const changes = deps.changes(pr);
      const { selected, evaluation, required } = await evaluateChange(changes, only, deps.now(), deps.openapi ? { openapi: deps.openapi } : {});
      const pe = evaluation.packs[0];
      const { template } = combineChains(required.chains);
      const drift = selected.length > 0 && running.valid ? await tryDrift(deps, running, pr, changes, reads) : undefined;
      result.prs.push({
        ...base,
        applies: selected.length > 0,
        findings: pe?.findings ?? [],
        ...(evaluation.highestSeverity ? { highestSeverity: evaluation.highestSeverity } : {}),
        wouldBlock: evaluation.blocks,
        chain: template.groups.map((g) => g.map((t) => ({ tierId: t.tierId, name: t.tier.name, users: [...t.tier.users], teams: [...t.tier.teams] }))),
        mode: required.mode,
        ...(drift ? { drift } : {}),
      });
    } catch (error) {
      result.prs.push({ ...base, applies: false, findings: [], wouldBlock: false, chain: [], error: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

/** The doc a Track B pack keeps; a github doc without a repo lives in the PR's repo. */
function primaryDocOf(pack: ValidPack, repo: string): DocTarget | undefined {
  const d = pack.pack.trackB?.primaryDoc;
  if (!pack.pack.trackB?.enabled || !d) return undefined;
  return { system: d.system, ...(d.repo ? { repo: d.repo } : d.system === 'github' ? { repo } : {}), ...(d.path ? { path: d.path } : {}), ...(d.id ? { id: d.id } : {}), ...(d.class ? { class: d.class } : {}) };
}

async function tryDrift<P extends PullRequest>(deps: TestRunDeps<P>, pack: ValidPack, pr: P, changes: ChangeSet, reads: Map<string, Promise<TestRunDoc>>): Promise<TestRunDrift | undefined> {
  const target = primaryDocOf(pack, pr.repo);
  if (!target) return undefined;
  const doc = target.system === 'github' ? `${target.repo}:${target.path ?? target.id}` : `${target.system}:${target.id ?? target.path}`;
  if (!deps.docs) return { doc, items: [], error: 'the doc reader is not available here: drift was not tried' };
  const key = JSON.stringify(target);
  let read = reads.get(key);
  if (!read) reads.set(key, (read = deps.docs.read(target).catch((e: unknown) => ({ unavailable: `could not be read: ${(e as Error).message}` }))));
  const trackB = pack.pack.trackB!;
  const run = await runDrift({
    changes,
    docTarget: target,
    ...driftDocInput(await read),
    ...(deps.specOps ? { specOps: deps.specOps } : {}),
    driftTypes: trackB.driftTypes,
    noiseControls: trackB.noiseControls,
  });
  const routed = route(run.items, target.class, trackB.materiality);
  const items = (['auto', 'notify', 'digest', 'below', 'ignore'] as const).flatMap((band) =>
    routed[band].map((s) => ({
      rule: s.item.rule,
      message: s.item.message,
      subject: s.item.subject,
      changeClass: s.item.changeClass,
      severity: s.severity,
      band,
      score: s.score,
      section: s.item.section,
      ...(s.item.docLine !== undefined ? { docLine: s.item.docLine } : {}),
      ...(s.item.patch ? { patch: s.item.patch.diff } : {}),
    })),
  );
  return { doc, items };
}
