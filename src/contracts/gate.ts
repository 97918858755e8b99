// The gate: the one decision of what a pull request's two checks say. Pure.
//
// `requiredApproval` says which approval chain an evaluation needs and how it bears on
// the merge; `decideGate` takes the evaluation, that requirement and the chain's state
// and returns the conclusion, title and explanation of the contracts check and of the
// approvals check. The report/ builders only render what it returns.
//
// Contracts check, in order:
//   1. an invalid pack governs the PR                  -> failure, naming the file and its first error
//   2. no pack applies                                 -> success, "No policy pack applies"; but no readable
//      config repo (or packs folder)                   -> neutral, or failure with PJ_REQUIRE_CONFIG (missing-config.ts)
//   3. packs block and each requires a chain (`gate`)  -> waiting/rejected: failure; approved: success
//   4. packs block and one requires no chain           -> failure, title with counts (nothing lifts it)
//   5. only test-mode packs would have failed          -> neutral, "[test mode] would have failed: …"
//   6. findings above info (warn mode, or below the pack's blockAt) -> neutral
//   7. nothing, or only informational findings         -> success
import type { Chain } from '../approvals/chain.js';
import { chainTemplateFor, type RequiredChain } from '../approvals/template.js';
import type { Severity } from '../packs/schema.js';
import type { ValidPack } from '../packs/types.js';
import type { ContractsEvaluation } from './evaluate.js';
import type { Finding } from './findings.js';
import { sha256Hex } from '../canonical.js';
import { missingConfigVerdict } from './missing-config.js';

/**
 * How the approval chain bears on the merge:
 * - `gate`: packs block and each requires a chain: the chain's approval lifts the block;
 * - `no_chain`: a blocking pack requires no chain at this severity: nothing can lift it;
 * - `advisory`: no pack blocks; a warn-mode pack's chain is shown and never holds the merge back.
 */
export type GateMode = 'gate' | 'no_chain' | 'advisory';

export interface RequiredApproval {
  mode: GateMode;
  /** The chain templates to combine (empty: no approval needed). */
  chains: RequiredChain[];
  /** Some governing pack has approval tiers: the approvals check is published (branch protection may require it). */
  withApprovalsCheck: boolean;
}

/**
 * Which chains the evaluation needs. `governing`: the selected valid packs that are not in
 * test mode (test mode never drives approvals). Where packs block, only their chains can
 * lift the block; otherwise the chains of warn-mode packs are advisory. A block-mode pack
 * with nothing at or above its blockAt needs no approval.
 */
export function requiredApproval(evaluation: ContractsEvaluation, governing: readonly ValidPack[]): RequiredApproval {
  const blocks = (p: ValidPack) => evaluation.packs.some((e) => e.packId === p.pack.id && e.blocks);
  const blocking = governing.filter(blocks);
  const source = blocking.length > 0 ? blocking : governing.filter((p) => (p.pack.trackA?.enforcement.mode ?? 'warn') === 'warn');
  const chains = chainsAt(source, evaluation.highestSeverity);
  const mode: GateMode = blocking.length === 0 ? 'advisory' : chains.length === blocking.length ? 'gate' : 'no_chain';
  return { mode, chains, withApprovalsCheck: governing.some((p) => Object.keys(p.pack.approvalTiers).length > 0) };
}

function chainsAt(packs: readonly ValidPack[], severity: Severity | undefined): RequiredChain[] {
  if (severity === undefined) return [];
  return packs.flatMap((p) => {
    const template = chainTemplateFor(p.pack, severity);
    return template.groups.length > 0 ? [{ template, options: p.pack.approvalOptions }] : [];
  });
}

// ---- the chain's state -------------------------------------------------------------------

export interface ApprovalState {
  state: 'not_required' | 'waiting' | 'approved' | 'rejected';
  /** Tier names of the steps that can be decided now (the active group), in chain order. */
  waitingFor: string[];
  approvedBy: Array<{ login: string; tier: string }>;
  rejectedBy?: { login: string; tier: string; reason?: string };
}

export function approvalState(chain: Chain | undefined): ApprovalState {
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

// ---- the decision ------------------------------------------------------------------------

export interface Verdict {
  status: 'completed' | 'in_progress';
  /** Absent while in progress. */
  conclusion?: 'success' | 'failure' | 'neutral';
  title: string;
  explanation: string;
}

export interface GateDecision {
  mode: GateMode;
  /** The chain's state; `not_required` when there is none. */
  approval: ApprovalState;
  /** The chain's state bears on the contracts check (mode `gate`). */
  gated: boolean;
  contracts: Verdict;
  approvals: Verdict;
}

export function decideGate(evaluation: ContractsEvaluation, required: Pick<RequiredApproval, 'mode'>, chain: Chain | undefined): GateDecision {
  const approval = approvalState(chain);
  const gated = required.mode === 'gate' && approval.state !== 'not_required';
  return {
    mode: required.mode,
    approval,
    gated,
    contracts: contractsVerdict(evaluation, gated ? approval : undefined),
    approvals: approvalsVerdict(approval, required.mode === 'advisory'),
  };
}

const who = (list: ReadonlyArray<{ login: string; tier: string }>) => list.map((a) => `@${a.login} (${a.tier})`).join(', ');

/** The approvals check alone (also when no evaluation is stored for a head). */
export function approvalsVerdict(approval: ApprovalState, advisory: boolean): Verdict {
  let v: Verdict;
  switch (approval.state) {
    case 'not_required':
      return { status: 'completed', conclusion: 'success', title: 'No approval required', explanation: 'No policy pack requires an approval chain for this pull request.' };
    case 'approved':
      v = { status: 'completed', conclusion: 'success', title: `Approved by ${who(approval.approvedBy)}`, explanation: 'The required approvals are in.' };
      break;
    case 'rejected': {
      const r = approval.rejectedBy;
      const title = r ? `Rejected by @${r.login} (${r.tier})${r.reason ? `: ${r.reason}` : ''}` : 'Rejected';
      v = { status: 'completed', conclusion: 'failure', title, explanation: 'A rejection is final for this commit; push a new commit to start a new chain.' };
      break;
    }
    case 'waiting':
      // In progress, not failed: a required check that is in progress keeps auto-merge and
      // merge queues waiting, so a PR set to auto-merge merges when the last approval lands.
      v = { status: 'in_progress', title: `Waiting for approval: ${approval.waitingFor.join(', ')}`, explanation: 'The approval chain is waiting for a decision.' };
      break;
  }
  if (advisory && v.conclusion !== 'success') {
    return {
      status: 'completed',
      conclusion: 'neutral',
      title: `Advisory (warn mode): ${v.title}`,
      explanation: `Warn mode: no pack blocks this pull request, so this chain is advisory and does not hold the merge back. ${v.explanation}`,
    };
  }
  return v;
}

const FAIL_CLOSED_RULES = new Set(['api-spec-unparsable', 'api-spec-unreadable', 'api-spec-too-large', 'comparator-failed']);

function contractsVerdict(ev: ContractsEvaluation, approval: ApprovalState | undefined): Verdict {
  const done = (conclusion: 'success' | 'failure' | 'neutral', title: string, explanation: string): Verdict => ({ status: 'completed', conclusion, title, explanation });
  if (ev.invalidPacks.length > 0) {
    const bad = ev.invalidPacks[0]!;
    const err = bad.errors[0];
    const where = err ? `${err.file}:${err.line}:${err.column} ${err.message}` : 'invalid';
    const more = ev.invalidPacks.length > 1 ? ` (and ${ev.invalidPacks.length - 1} more invalid pack${ev.invalidPacks.length > 2 ? 's' : ''})` : '';
    return done(
      'failure',
      `Invalid policy pack ${bad.file}: ${where}${more}`,
      'A policy pack that governs this pull request is invalid, so it cannot be evaluated: the check fails closed until the pack is fixed in the config repo.',
    );
  }
  if (ev.packs.length === 0 && ev.configMissing) return missingConfigVerdict(ev.configMissing);
  if (ev.packs.length === 0) return done('success', 'No policy pack applies', 'No policy pack selects this repository and these paths.');
  const live = ev.packs.filter((p) => !p.testMode);
  const test = ev.packs.filter((p) => p.testMode);
  const liveFindings = live.flatMap((p) => p.findings);
  const blocking = live.filter((p) => p.blocks);
  const counts = countTitle(blocking.length > 0 ? blocking.flatMap((p) => p.findings) : liveFindings);
  if (approval) {
    switch (approval.state) {
      case 'approved': {
        const by = who(approval.approvedBy);
        return done('success', by ? `Approved by ${by}` : 'Approved', `The required approvals are in${counts ? ` for: ${counts}` : ''}.`);
      }
      case 'rejected': {
        const r = approval.rejectedBy;
        return done(
          'failure',
          r ? `Rejected by ${who([r])}` : 'Rejected',
          `An approver rejected this pull request${counts ? ` (${counts})` : ''}.${r?.reason ? ` @${r.login}: ${r.reason}` : ''}`,
        );
      }
      default: {
        const waiting = approval.waitingFor.length > 0 ? approval.waitingFor.join(', ') : 'the required approvers';
        return done('failure', `Waiting for approval: ${waiting}`, `${counts || 'These changes'} need approval before merging.`);
      }
    }
  }
  if (blocking.length > 0) {
    const at = blocking.map((p) => `**${p.blockAt}** (\`${p.packId}\`)`).join(', ');
    return done('failure', counts, `Block mode: findings at or above ${at} fail this check.`);
  }
  const testWould = test.filter((p) => p.wouldBlock);
  if (testWould.length > 0) {
    return done(
      'neutral',
      `[test mode] would have failed: ${countTitle(testWould.flatMap((p) => p.findings))}`,
      `Test mode (${testWould.map((p) => `\`${p.packId}\``).join(', ')}): this would fail the check; it does not block and nothing else is written.`,
    );
  }
  if (liveFindings.some((f) => f.severity !== 'info')) return done('neutral', counts, 'Findings to look at; none of them blocks this pull request.');
  if (liveFindings.length > 0) return done('success', `No contract problems (${countTitle(liveFindings)})`, 'Only informational findings.');
  const testFindings = test.flatMap((p) => p.findings);
  if (testFindings.length > 0) return done('neutral', `[test mode] ${countTitle(testFindings)}`, 'Findings of packs in test mode; they never block.');
  // Only test-mode packs apply: their check is neutral whatever they find (test mode
  // may publish nothing but its own neutral check).
  if (live.length === 0) return done('neutral', '[test mode] No contract problems found', 'Only packs in test mode apply; they report and never block.');
  return done('success', 'No contract problems found', 'The packs that apply found nothing to report.');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "3 breaking changes, 1 problem, 1 warning" (notices only when there is nothing else). */
export function countTitle(findings: readonly Finding[]): string {
  let breaking = 0;
  let errors = 0;
  let warnings = 0;
  let notices = 0;
  for (const f of findings) {
    if (f.level === 'ERR') {
      if (f.comparator === 'openapi.diff' && !FAIL_CLOSED_RULES.has(f.ruleId)) breaking++;
      else errors++;
    } else if (f.level === 'WARN') warnings++;
    else notices++;
  }
  const parts: string[] = [];
  if (breaking) parts.push(plural(breaking, 'breaking change'));
  if (errors) parts.push(plural(errors, 'problem'));
  if (warnings) parts.push(plural(warnings, 'warning'));
  if (notices && parts.length === 0) parts.push(plural(notices, 'notice'));
  return parts.join(', ');
}

// ---- one head, several pull requests ------------------------------------------------------
//
// A check run belongs to a commit, not to a pull request: when one commit is the head of
// several open PRs (`feature → main` and `feature → tmp`), each PR is evaluated against
// its own base and the checks on the commit show the strictest of their gates, so a PR
// whose base already contains the change can never settle the gate of another.

export interface PullRequestGate {
  prNumber: number;
  /** The base the PR was evaluated against (its base branch), for the summary. */
  base?: string;
  decision: GateDecision;
}

export interface HeadGate {
  /** The PRs whose head the commit is, strictest contracts verdict first (then by number). */
  prs: PullRequestGate[];
  contracts: Verdict;
  approvals: Verdict;
  /** The PR whose contracts verdict is the commit's. */
  decisive: PullRequestGate;
  /** The PR whose approvals verdict is the commit's. */
  decisiveApprovals: PullRequestGate;
}

/** failure > in progress > neutral > success. */
export function verdictRank(v: Verdict): number {
  if (v.status === 'in_progress') return 3;
  return v.conclusion === 'failure' ? 4 : v.conclusion === 'neutral' ? 2 : v.conclusion === 'success' ? 1 : 3;
}

const prLabel = (g: PullRequestGate) => `#${g.prNumber}${g.base ? ` → ${g.base}` : ''}`;

/**
 * The checks of a commit from the gates of every open PR whose head it is: a failure on
 * any one is the failure. One PR: its own verdicts, unchanged. Several: the strictest
 * verdict, with a title and explanation naming each PR.
 */
export function strictest(gates: readonly PullRequestGate[]): HeadGate {
  if (gates.length === 0) throw new Error('strictest: no pull request');
  const by = (pick: (d: GateDecision) => Verdict) => (a: PullRequestGate, b: PullRequestGate) =>
    verdictRank(pick(b.decision)) - verdictRank(pick(a.decision)) || a.prNumber - b.prNumber;
  const prs = [...gates].sort(by((d) => d.contracts));
  const decisive = prs[0]!;
  const decisiveApprovals = [...gates].sort(by((d) => d.approvals))[0]!;
  if (gates.length === 1) return { prs, contracts: decisive.decision.contracts, approvals: decisive.decision.approvals, decisive, decisiveApprovals };
  const names = prs.map(prLabel).join(', ');
  const combine = (pick: (d: GateDecision) => Verdict, top: PullRequestGate, order: PullRequestGate[]): Verdict => {
    const v = pick(top.decision);
    return {
      status: v.status,
      ...(v.conclusion ? { conclusion: v.conclusion } : {}),
      title: order.map((g) => `#${g.prNumber}: ${pick(g.decision).title}`).join(' · '),
      explanation:
        `This commit is the head of ${gates.length} open pull requests (${names}). A check belongs to the commit, ` +
        `so it shows the strictest of their gates — a failure on any one is the failure: ${prLabel(top)} decides it. ${v.explanation}`,
    };
  };
  return {
    prs,
    contracts: combine((d) => d.contracts, decisive, prs),
    approvals: combine((d) => d.approvals, decisiveApprovals, [...gates].sort(by((d) => d.approvals))),
    decisive,
    decisiveApprovals,
  };
}

// ---- what an approval was given for --------------------------------------------------------

/**
 * A fingerprint of what the approvers were shown: per pack not in test mode, each finding's
 * rule, severity, file and element (method, path, and the message with its line and column
 * numbers taken out), plus the invalid packs. Pure; moving a finding to another line keeps
 * it, a new or different finding changes it.
 */
export function findingsFingerprint(evaluation: ContractsEvaluation): string {
  const unpositioned = (m: string) => m.replace(/:\d+(?::\d+)?\b/g, ':_').replace(/\b(line|column|col)\s+\d+/gi, '$1 _');
  const rows = new Set<string>();
  for (const p of evaluation.packs) {
    if (p.testMode) continue;
    for (const f of p.findings) {
      rows.add(JSON.stringify([p.packId, f.comparator, f.ruleId, f.level, f.severity, f.file ?? '', f.method ?? '', f.path ?? '', unpositioned(f.message)]));
    }
  }
  for (const bad of evaluation.invalidPacks) rows.add(JSON.stringify(['invalid', bad.file]));
  return sha256Hex(JSON.stringify([...rows].sort()));
}
