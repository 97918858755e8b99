// select → evaluate → what approval is required: the one pipeline of Track A, used by
// the app (usecases/evaluate-pull-request.ts), `pj check` and the tests. Pure except for
// ChangeSet reads; time is passed in.
import { touchedPaths, type ChangeSet } from '../change/changeset.js';
import { selectPacks } from '../packs/select.js';
import type { LoadedPack, PackSet, ValidPack } from '../packs/types.js';
import { evaluateContracts, type ContractsEvaluation } from './evaluate.js';
import { requiredApproval, type RequiredApproval } from './gate.js';
import type { OpenApiEngine } from './comparators/types.js';

export interface ChangeEvaluation {
  /** The packs that govern the change (invalid ones included: they fail closed). */
  selected: LoadedPack[];
  evaluation: ContractsEvaluation;
  required: RequiredApproval;
}

export async function evaluateChange(
  changes: ChangeSet,
  packs: PackSet,
  now: Date,
  hooks: {
    onSelected?: (selected: LoadedPack[]) => Promise<void>;
    /** A config repo that cannot be read fails the check instead of leaving it neutral (PJ_REQUIRE_CONFIG). */
    requireConfig?: boolean;
    /** The OpenAPI engine (the app's runs off the event loop with a deadline); default in-process. */
    openapi?: OpenApiEngine;
  } = {},
): Promise<ChangeEvaluation> {
  // No pack at all: not even the file list is needed to know that none applies.
  const paths = packs.packs.length > 0 ? touchedPaths(await changes.files()) : [];
  // Past GitHub's 3000-file limit a matching path may be missing from the list: fail
  // closed by selecting on scope alone.
  const selected = selectPacks(packs, changes.repo, paths, { ignorePaths: changes.truncated === true });
  await hooks.onSelected?.(selected);
  const evaluation = await evaluateContracts({ changes, packs: selected, now, ...(hooks.openapi ? { openapi: hooks.openapi } : {}) });
  if (packs.missing) {
    const required = hooks.requireConfig === true;
    evaluation.configMissing = { ...packs.missing, required };
    if (required) evaluation.blocks = true;
  }
  // Test-mode packs never drive approvals; invalid ones already fail the check.
  const governing = selected.filter((p): p is ValidPack => p.valid && !p.pack.testMode.enabled);
  return { selected, evaluation, required: requiredApproval(evaluation, governing) };
}
