// The `PuddleJumper / approvals` check run, rendered from the chain and the gate's
// verdict for it (contracts/gate.ts decides; this file only renders). Pure.
//
// While the chain is pending the check is `in_progress` with no conclusion. A required
// check blocks merging until it completes with success, so branch protection holds the PR;
// unlike a completed `action_required`/`failure`, an in-progress check keeps GitHub's
// auto-merge (and merge queues) WAITING rather than treating the check as failed, so a
// PR set to auto-merge merges by itself when the last approval lands.
import type { Chain } from '../approvals/chain.js';
import type { Verdict } from '../contracts/gate.js';
import type { CheckRunPayload } from './check-run.js';
import { CHECK_SUMMARY_LIMIT } from './check-run.js';
import { chainTable, COMMANDS_HELP } from './approvals-help.js';

export const APPROVALS_CHECK_NAME = 'PuddleJumper / approvals';

export function buildApprovalsCheck(chain: Chain | undefined, headSha: string, verdict: Verdict): CheckRunPayload {
  const base = {
    name: APPROVALS_CHECK_NAME,
    headSha,
    annotations: [],
    ...(chain ? { externalId: chain.key } : {}),
    status: verdict.status,
    ...(verdict.conclusion ? { conclusion: verdict.conclusion } : {}),
    title: verdict.title.slice(0, 250),
  };
  if (!chain || chain.steps.length === 0) return { ...base, summary: verdict.explanation };
  const parts = [`Severity **${chain.severity}** · chain \`${chain.key}\``];
  if (verdict.status === 'completed' && verdict.conclusion !== 'success') parts.push(verdict.explanation);
  parts.push(chainTable(chain));
  if (verdict.status === 'in_progress') parts.push(COMMANDS_HELP);
  let summary = parts.join('\n\n');
  if (summary.length > CHECK_SUMMARY_LIMIT) summary = `${summary.slice(0, CHECK_SUMMARY_LIMIT - 20)}\n\n… (truncated)`;
  return { ...base, summary };
}
