// Pack test runs: one pack (from the config repo at any ref, or a local file) over the
// last N pull requests of a repo, or one pull request — what it would find, whether it
// would block, and the approval chain it would require. It takes no outbox, no audit log
// and no chain store: nothing it does can reach GitHub's write API, the outbox or the
// audit log. The pack runs as if active and out of test mode (that is the question a test
// run answers); its own status and test mode are reported beside the result.
import { combineChains } from '../approvals/template.js';
import type { ChangeSet, PullRequest } from '../change/changeset.js';
import { evaluateChange } from '../contracts/evaluate-change.js';
import type { Finding } from '../contracts/findings.js';
import type { LoadedPack, PackSet, ValidPack } from '../packs/types.js';

export interface TestRunDeps<P extends PullRequest = PullRequest> {
  /** The pack set the pack is taken from (config repo at the ref, or a local folder/file). */
  packs(): Promise<PackSet>;
  /** The pull requests to try. */
  pulls(): Promise<P[]>;
  changes(pr: P): ChangeSet;
  now: () => Date;
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
  for (const pr of await deps.pulls()) {
    const base = { number: pr.number, headSha: pr.headSha, ...(pr.title !== undefined ? { title: pr.title } : {}), ...(pr.state !== undefined ? { state: pr.state } : {}) };
    try {
      const { selected, evaluation, required } = await evaluateChange(deps.changes(pr), only, deps.now());
      const pe = evaluation.packs[0];
      const { template } = combineChains(required.chains);
      result.prs.push({
        ...base,
        applies: selected.length > 0,
        findings: pe?.findings ?? [],
        ...(evaluation.highestSeverity ? { highestSeverity: evaluation.highestSeverity } : {}),
        wouldBlock: evaluation.blocks,
        chain: template.groups.map((g) => g.map((t) => ({ tierId: t.tierId, name: t.tier.name, users: [...t.tier.users], teams: [...t.tier.teams] }))),
        mode: required.mode,
      });
    } catch (error) {
      result.prs.push({ ...base, applies: false, findings: [], wouldBlock: false, chain: [], error: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}
