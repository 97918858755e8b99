// The `PuddleJumper / approvals` check run and the gate summary for the contracts check. Pure.
//
// While the chain is pending the check is `in_progress` with no conclusion. A required
// check blocks merging until it completes with success, so branch protection holds the PR;
// unlike a completed `action_required`/`failure`, an in-progress check keeps GitHub's
// auto-merge (and merge queues) WAITING rather than treating the check as failed, so a
// PR set to auto-merge merges by itself when the last approval lands.
import type { Chain } from '../approvals/chain.js';
import type { CheckRunPayload } from './check-run.js';
import { CHECK_SUMMARY_LIMIT } from './check-run.js';
import { chainTable, COMMANDS_HELP } from './approvals-help.js';

export const APPROVALS_CHECK_NAME = 'PuddleJumper / approvals';

export interface GateState {
  state: 'not_required' | 'waiting' | 'approved' | 'rejected';
  /** Tier names of the steps that can be decided now (the active group), in chain order. */
  waitingFor: string[];
  approvedBy: Array<{ login: string; tier: string }>;
  rejectedBy?: { login: string; tier: string; reason?: string };
}

export function gateState(chain: Chain | undefined): GateState {
  if (!chain || chain.steps.length === 0) return { state: 'not_required', waitingFor: [], approvedBy: [] };
  const approvedBy = chain.steps.filter((s) => s.status === 'approved' && s.decidedBy).map((s) => ({ login: s.decidedBy!, tier: s.tierName }));
  if (chain.status === 'rejected') {
    const r = chain.steps.find((s) => s.status === 'rejected');
    return {
      state: 'rejected',
      waitingFor: [],
      approvedBy,
      ...(r?.decidedBy ? { rejectedBy: { login: r.decidedBy, tier: r.tierName, ...(r.reason ? { reason: r.reason } : {}) } } : {}),
    };
  }
  if (chain.status === 'approved') return { state: 'approved', waitingFor: [], approvedBy };
  // The title names who can act now; the later groups are listed in the approvals check.
  const active = chain.steps.filter((s) => s.status === 'active');
  const waitingFor = (active.length > 0 ? active : chain.steps.filter((s) => s.status === 'waiting')).map((s) => s.tierName);
  return { state: 'waiting', waitingFor: [...new Set(waitingFor)], approvedBy };
}

/** "Approved by @alice (Team Lead), @bob (Director)". */
export function approvedByText(gate: GateState): string {
  return `Approved by ${gate.approvedBy.map((a) => `@${a.login} (${a.tier})`).join(', ')}`;
}

/** "Waiting for approval: Director". */
export function waitingText(gate: GateState): string {
  return `Waiting for approval: ${gate.waitingFor.join(', ')}`;
}

/**
 * `advisory`: no pack blocks this PR (warn mode), so the chain is shown but never holds
 * the merge back: a pending or rejected chain completes `neutral` instead.
 */
export function buildApprovalsCheck(chain: Chain | undefined, headSha: string, options: { advisory?: boolean } = {}): CheckRunPayload {
  const gate = gateState(chain);
  const base = { name: APPROVALS_CHECK_NAME, headSha, annotations: [], ...(chain ? { externalId: chain.key } : {}) };
  if (!chain || gate.state === 'not_required') {
    return { ...base, status: 'completed', conclusion: 'success', title: 'No approval required', summary: 'No policy pack requires an approval chain for this pull request.' };
  }
  const table = chainTable(chain);
  const header = `Severity **${chain.severity}** · chain \`${chain.key}\``;
  let summary: string;
  let payload: Omit<CheckRunPayload, 'summary'>;
  switch (gate.state) {
    case 'approved':
      payload = { ...base, status: 'completed', conclusion: 'success', title: approvedByText(gate) };
      summary = [header, table].join('\n\n');
      break;
    case 'rejected': {
      const r = gate.rejectedBy;
      const title = r ? `Rejected by @${r.login} (${r.tier})${r.reason ? `: ${r.reason}` : ''}` : 'Rejected';
      payload = { ...base, status: 'completed', conclusion: 'failure', title: title.slice(0, 250) };
      summary = [header, 'A rejection is final for this commit; push a new commit to start a new chain.', table].join('\n\n');
      break;
    }
    default:
      payload = { ...base, status: 'in_progress', title: waitingText(gate) };
      summary = [header, table, COMMANDS_HELP].join('\n\n');
  }
  if (options.advisory && payload.conclusion !== 'success') {
    payload = { ...payload, status: 'completed', conclusion: 'neutral', title: `Advisory (warn mode): ${payload.title}`.slice(0, 250) };
    summary = `Warn mode: no pack blocks this pull request, so this chain is advisory and does not hold the merge back.\n\n${summary}`;
  }
  if (summary.length > CHECK_SUMMARY_LIMIT) summary = `${summary.slice(0, CHECK_SUMMARY_LIMIT - 20)}\n\n… (truncated)`;
  return { ...payload, summary };
}
