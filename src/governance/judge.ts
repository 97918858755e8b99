// Judgement: pure, fail closed. Data in (the proposal, what the registry knows, whether
// its chain is approved), a decision out. No clock, no I/O.
import { ALWAYS_ALLOWED_FOR_TRACK_B, OUTPUT_KIND_OF, type ActionProposal } from './action.js';
import type { Dispatcher } from './registry.js';

export type Judgement =
  | { decision: 'approve'; reason?: undefined }
  | { decision: 'deny'; code: string; reason: string }
  | { decision: 'wait'; reason: string };

export interface JudgeInput {
  proposal: Pick<ActionProposal, 'kind' | 'payload' | 'origin' | 'awaitChain'>;
  /** The dispatcher registered for the kind, if any. */
  dispatcher: Pick<Dispatcher, 'validate'> | undefined;
  /** Whether the chain named by `awaitChain` is approved (ignored without one). */
  chainApproved: boolean;
}

/** Notifications: the kinds a test-mode pack with `testMode.notify` may send. */
const NOTIFY_KINDS: ReadonlySet<string> = new Set(['notify.slack', 'notify.email', 'notify.pagerduty', 'notify.webhook']);

function isNeutralOrPendingCheck(payload: unknown): boolean {
  if (payload === null || typeof payload !== 'object') return false;
  const p = payload as { status?: unknown; conclusion?: unknown };
  return p.status !== 'completed' || p.conclusion === 'neutral';
}

export function judge(input: JudgeInput): Judgement {
  const { proposal, dispatcher } = input;
  const origin = proposal.origin;
  if (dispatcher === undefined) {
    return { decision: 'deny', code: 'unknown_kind', reason: `unknown action kind "${proposal.kind}": no dispatcher is registered` };
  }
  if (origin !== undefined && !origin.valid) {
    return { decision: 'deny', code: 'invalid_pack', reason: `pack "${origin.packId}" is invalid; an invalid pack may not act` };
  }
  if (origin?.testMode) {
    // A test-mode pack may notify only when it asks to (testMode.notify; the planner marks
    // every message "[test mode]"). Review requests are writes on the PR: never in test mode.
    const notifies = origin.testModeNotify === true && NOTIFY_KINDS.has(proposal.kind);
    if (!notifies && (proposal.kind !== 'check_run.upsert' || !isNeutralOrPendingCheck(proposal.payload))) {
      const what =
        proposal.kind === 'check_run.upsert' ? 'a check run with a conclusion other than neutral' : `a ${proposal.kind} action`;
      return {
        decision: 'deny',
        code: 'test_mode',
        reason: `pack "${origin.packId}" is in test mode: it may only publish its own neutral check run, not ${what}`,
      };
    }
  }
  if (origin?.allowedOutputs !== undefined) {
    const output = OUTPUT_KIND_OF[proposal.kind];
    if (output === undefined && !ALWAYS_ALLOWED_FOR_TRACK_B.has(proposal.kind)) {
      return {
        decision: 'deny',
        code: 'output_not_allowed',
        reason: `pack "${origin.packId}": ${proposal.kind} is not a Track B output (allowedOutputs: ${origin.allowedOutputs.join(', ') || 'none'})`,
      };
    }
    if (output !== undefined && !origin.allowedOutputs.includes(output)) {
      return {
        decision: 'deny',
        code: 'output_not_allowed',
        reason: `pack "${origin.packId}" does not allow output "${output}" (allowedOutputs: ${origin.allowedOutputs.join(', ') || 'none'})`,
      };
    }
  }
  const invalid = dispatcher.validate?.(proposal.payload, origin);
  if (invalid !== undefined) {
    const code = /has no credentials/.test(invalid)
      ? 'no_credentials'
      : /routing target .*not allowed/.test(invalid)
        ? 'forbidden_target'
        : /routing target/.test(invalid)
          ? 'unknown_target'
          : 'invalid_payload';
    return { decision: 'deny', code, reason: invalid };
  }
  if (proposal.awaitChain !== undefined && !input.chainApproved) {
    return { decision: 'wait', reason: `awaiting approval chain ${proposal.awaitChain}` };
  }
  return { decision: 'approve' };
}
