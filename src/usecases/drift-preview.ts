// The `PuddleJumper / drift` check on an open pull request: what merging it would make
// stale, with each patch as a unified diff. Never `failure`; not created when no pack with
// Track B applies. It writes nothing else — a test-mode pack only ever gets this check
// (neutral), and the window, ledger and remediation are left alone until the merge.
import type { ChangeSet, PullRequest } from '../change/changeset.js';
import { touchedPaths } from '../change/changeset.js';
import { route } from '../drift/materiality.js';
import { runDrift } from '../drift/run.js';
import { buildDriftCheck, DRIFT_CHECK_NAME, type DriftCheckDoc } from '../report/drift-check.js';
import { docTargetOf, driftDocInput, driftOrigin, resolveTarget, trackBPacks, type DriftDeps } from './drift-deps.js';
import { proposeCheck } from './publish-checks.js';

export async function previewDrift(deps: Pick<DriftDeps, 'packs' | 'docs' | 'outbox' | 'installationId' | 'specOps'>, pr: PullRequest, changes: ChangeSet): Promise<boolean> {
  const set = await deps.packs();
  if (trackBPacks(set, pr.repo, undefined, 'github_pr').length === 0) return false;
  const subject = { installationId: pr.installationId, repo: pr.repo, headSha: pr.headSha, prNumber: pr.number };
  let packs;
  try {
    packs = trackBPacks(set, pr.repo, touchedPaths(await changes.files()), 'github_pr');
  } catch (error) {
    await proposeCheck(deps.outbox, subject, { name: DRIFT_CHECK_NAME, headSha: pr.headSha, status: 'completed', conclusion: 'neutral', title: 'Documentation drift could not be checked', summary: `The changed files could not be listed: ${(error as Error).message}`, annotations: [] });
    return true;
  }
  if (packs.length === 0) return false;
  const docs: DriftCheckDoc[] = [];
  for (const pack of packs) {
    const trackB = pack.pack.trackB!;
    const docTarget = resolveTarget(docTargetOf(pack.pack)!, pr.repo);
    const doc = await deps.docs.read(docTarget);
    const result = await runDrift({
      changes,
      docTarget,
      ...driftDocInput(doc),
    ...(deps.specOps ? { specOps: deps.specOps } : {}),
      driftTypes: trackB.driftTypes,
      noiseControls: trackB.noiseControls,
    });
    docs.push({ packId: pack.pack.id, packName: pack.pack.name, testMode: pack.pack.testMode.enabled, docTarget, routed: route(result.items, docTarget.class, trackB.materiality) });
  }
  const check = buildDriftCheck(docs, pr.headSha);
  if (!check) return false;
  // Only test-mode packs: the check carries one as its origin (the judge lets through nothing but a neutral check).
  const onlyTest = packs.every((p) => p.pack.testMode.enabled);
  await proposeCheck(deps.outbox, subject, onlyTest ? { ...check, conclusion: 'neutral' } : check, onlyTest ? driftOrigin(packs[0]!) : undefined);
  return true;
}
