// The `PuddleJumper / contracts` check run, built from a Track A evaluation. Pure.
//
// Conclusion, in order:
//   1. an invalid pack governs the PR                  -> failure, naming the file and its first error
//   2. no pack applies                                 -> success, "No policy pack applies"
//   3. an approval gate is given (not `not_required`)  -> waiting/rejected: failure; approved: success
//   4. a pack in block mode has findings >= high       -> failure, title with counts
//   5. only test-mode packs would have failed          -> neutral, "[test mode] would have failed: …"
//   6. findings above info (warn mode, or below the blocking severity) -> neutral
//   7. nothing, or only informational findings         -> success
import type { ContractsEvaluation, PackEvaluation } from '../contracts/evaluate.js';
import { BLOCKING_SEVERITY } from '../contracts/evaluate.js';
import type { Finding } from '../contracts/findings.js';
import { SEVERITY_ORDER } from '../contracts/scoring.js';
import type { Severity } from '../packs/schema.js';
import { CHECK_SUMMARY_LIMIT, type CheckAnnotation, type CheckConclusion, type CheckRunPayload } from './check-run.js';

export const CONTRACTS_CHECK_NAME = 'PuddleJumper / contracts';

export interface ApprovalGate {
  state: 'not_required' | 'waiting' | 'approved' | 'rejected';
  /** Tier names still to approve, e.g. ["Director"]. */
  waitingFor?: string[];
  approvedBy?: Array<{ login: string; tier: string }>;
  /** One decider (as the approvals report's GateState has it) or several. */
  rejectedBy?: Rejection | Rejection[];
}

interface Rejection {
  login: string;
  tier: string;
  reason?: string;
}

const TITLE_LIMIT = 250;
const CELL_LIMIT = 400;
const FAIL_CLOSED_RULES = new Set(['api-spec-unparsable', 'api-spec-unreadable', 'api-spec-too-large', 'comparator-failed']);

export function buildInProgressContractsCheck(headSha: string): CheckRunPayload {
  return {
    name: CONTRACTS_CHECK_NAME,
    headSha,
    status: 'in_progress',
    title: 'Evaluating contracts…',
    summary: 'PuddleJumper is checking this pull request against the policy packs that apply to it.',
    annotations: [],
  };
}

/** Fail closed: an evaluation that could not finish fails the check with its reason. */
export function buildErroredContractsCheck(headSha: string, reason: string): CheckRunPayload {
  return {
    name: CONTRACTS_CHECK_NAME,
    headSha,
    status: 'completed',
    conclusion: 'failure',
    title: 'Evaluation failed',
    summary: [
      'PuddleJumper could not finish evaluating this pull request, so it does not pass.',
      '',
      `> ${reason.replace(/\s+/g, ' ').slice(0, 1000)}`,
      '',
      'Re-run the check (or comment `/pj recheck`) once the cause is gone.',
    ].join('\n'),
    annotations: [],
  };
}

export function buildContractsCheck(evaluation: ContractsEvaluation, headSha: string, gate?: ApprovalGate): CheckRunPayload {
  const { conclusion, title, explanation } = decide(evaluation, gate);
  const annotations = buildAnnotations(evaluation);
  const summary = buildSummary(evaluation, title, explanation, gate);
  return {
    name: CONTRACTS_CHECK_NAME,
    headSha,
    status: 'completed',
    conclusion,
    title: clip(title, TITLE_LIMIT),
    summary,
    annotations,
  };
}

interface Decision {
  conclusion: CheckConclusion;
  title: string;
  explanation: string;
}

function decide(ev: ContractsEvaluation, gate?: ApprovalGate): Decision {
  if (ev.invalidPacks.length > 0) {
    const bad = ev.invalidPacks[0]!;
    const err = bad.errors[0];
    const where = err ? `${err.file}:${err.line}:${err.column} ${err.message}` : 'invalid';
    const more = ev.invalidPacks.length > 1 ? ` (and ${ev.invalidPacks.length - 1} more invalid pack${ev.invalidPacks.length > 2 ? 's' : ''})` : '';
    return {
      conclusion: 'failure',
      title: `Invalid policy pack ${bad.file}: ${where}${more}`,
      explanation: 'A policy pack that governs this pull request is invalid, so it cannot be evaluated: the check fails closed until the pack is fixed in the config repo.',
    };
  }
  if (ev.packs.length === 0) {
    return { conclusion: 'success', title: 'No policy pack applies', explanation: 'No policy pack selects this repository and these paths.' };
  }
  const live = ev.packs.filter((p) => !p.testMode);
  const test = ev.packs.filter((p) => p.testMode);
  const liveFindings = live.flatMap((p) => p.findings);
  const blocking = live.filter((p) => p.blocks);
  const counts = countTitle(blocking.length > 0 ? blocking.flatMap((p) => p.findings) : liveFindings);
  if (gate && gate.state !== 'not_required') {
    if (gate.state === 'approved') {
      const who = (gate.approvedBy ?? []).map((a) => `@${a.login} (${a.tier})`).join(', ');
      return { conclusion: 'success', title: who ? `Approved by ${who}` : 'Approved', explanation: `The required approvals are in${counts ? ` for: ${counts}` : ''}.` };
    }
    if (gate.state === 'rejected') {
      const list = gate.rejectedBy === undefined ? [] : Array.isArray(gate.rejectedBy) ? gate.rejectedBy : [gate.rejectedBy];
      const who = list.map((a) => `@${a.login} (${a.tier})`).join(', ');
      const reasons = list.filter((a) => a.reason).map((a) => `@${a.login}: ${a.reason}`).join('; ');
      return {
        conclusion: 'failure',
        title: who ? `Rejected by ${who}` : 'Rejected',
        explanation: `An approver rejected this pull request${counts ? ` (${counts})` : ''}.${reasons ? ` ${reasons}` : ''}`,
      };
    }
    const waiting = gate.waitingFor?.length ? gate.waitingFor.join(', ') : 'the required approvers';
    return { conclusion: 'failure', title: `Waiting for approval: ${waiting}`, explanation: `${counts || 'These changes'} need approval before merging.` };
  }
  if (blocking.length > 0) {
    return {
      conclusion: 'failure',
      title: counts,
      explanation: `Block mode: findings at or above **${BLOCKING_SEVERITY}** fail this check (${blocking.map((p) => `\`${p.packId}\``).join(', ')}).`,
    };
  }
  const testWould = test.filter((p) => p.wouldBlock);
  if (testWould.length > 0) {
    return {
      conclusion: 'neutral',
      title: `[test mode] would have failed: ${countTitle(testWould.flatMap((p) => p.findings))}`,
      explanation: `Test mode (${testWould.map((p) => `\`${p.packId}\``).join(', ')}): this would fail the check; it does not block and nothing else is written.`,
    };
  }
  const notable = liveFindings.filter((f) => f.severity !== 'info');
  if (notable.length > 0) {
    return { conclusion: 'neutral', title: counts, explanation: 'Findings to look at; none of them blocks this pull request.' };
  }
  if (liveFindings.length > 0) {
    return { conclusion: 'success', title: `No contract problems (${countTitle(liveFindings)})`, explanation: 'Only informational findings.' };
  }
  const testFindings = test.flatMap((p) => p.findings);
  if (testFindings.length > 0) {
    return { conclusion: 'neutral', title: `[test mode] ${countTitle(testFindings)}`, explanation: 'Findings of packs in test mode; they never block.' };
  }
  if (live.length === 0) {
    // Only test-mode packs apply: their check is neutral whatever they find (test mode
    // may publish nothing but its own neutral check).
    return { conclusion: 'neutral', title: '[test mode] No contract problems found', explanation: 'Only packs in test mode apply; they report and never block.' };
  }
  return { conclusion: 'success', title: 'No contract problems found', explanation: 'The packs that apply found nothing to report.' };
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

const ANNOTATION_LEVEL = { ERR: 'failure', WARN: 'warning', INFO: 'notice' } as const;

/** One annotation per finding with a file and a line (the same one from two packs once). */
export function buildAnnotations(ev: ContractsEvaluation): CheckAnnotation[] {
  const out: CheckAnnotation[] = [];
  const seen = new Set<string>();
  for (const pack of ev.packs) {
    for (const f of pack.findings) {
      if (!f.file || !f.line) continue;
      const path = f.file.replace(/^\.?\/+/, '');
      const key = `${path}\0${f.line}\0${f.ruleId}\0${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const where = f.method || f.path ? `${[f.method, f.path].filter(Boolean).join(' ')}: ` : '';
      const a: CheckAnnotation = {
        path,
        start_line: f.line,
        end_line: f.line,
        annotation_level: ANNOTATION_LEVEL[f.level],
        title: `${f.ruleId} (${f.severity})`,
        message: `${where}${f.message}`,
        raw_details: `pack ${pack.packId} · version ${pack.versionHash.slice(0, 12)} · score ${f.score}${pack.testMode ? ' · test mode' : ''}`,
      };
      if (f.column !== undefined) {
        // GitHub accepts columns only on single-line annotations.
        a.start_column = f.column;
        a.end_column = f.column;
      }
      out.push(a);
    }
  }
  return out;
}

// ---- summary ---------------------------------------------------------------------------

interface Table {
  heading: string;
  rows: string[];
}

interface Section {
  head: string[];
  tables: Table[];
}

function cell(s: string): string {
  return clip(s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|'), CELL_LIMIT);
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function findingRow(f: Finding): string {
  const loc = f.file ? `\`${f.file}${f.line ? `:${f.line}` : ''}\`` : '';
  const op = f.method || f.path ? ` \`${[f.method, f.path].filter(Boolean).join(' ')}\`` : '';
  return `| ${f.level} | \`${f.ruleId}\` | ${cell(loc + op)} | ${f.score} | ${cell(f.message)} |`;
}

const TABLE_HEADER = '| Level | Rule | Where | Score | Message |\n|---|---|---|---|---|';

function packSection(p: PackEvaluation): Section {
  const modes = [`${p.mode} mode`, ...(p.testMode ? ['**test mode**'] : [])].join(' · ');
  const bySeverity = new Map<Severity, Finding[]>();
  for (const f of p.findings) bySeverity.set(f.severity, [...(bySeverity.get(f.severity) ?? []), f]);
  const counts = [...SEVERITY_ORDER].reverse().map((s) => `${s} ${bySeverity.get(s)?.length ?? 0}`).join(' · ');
  const head = [
    `### ${cell(p.name)} (\`${p.packId}\`)`,
    '',
    `Pack \`${p.file}\` · version \`${p.versionHash.slice(0, 12)}\` · ${modes} · ${p.blocks ? '**blocks**' : p.wouldBlock ? 'would block' : 'does not block'}`,
    '',
    p.findings.length === 0 ? 'Nothing found.' : `Findings: ${counts}`,
  ];
  const tables: Table[] = [];
  for (const s of [...SEVERITY_ORDER].reverse()) {
    const list = bySeverity.get(s);
    if (!list?.length) continue;
    tables.push({ heading: `#### ${s} (${list.length})`, rows: list.map(findingRow) });
  }
  return { head, tables };
}

function render(preamble: string[], sections: Section[], keep: number): string {
  const lines = [...preamble];
  let budget = keep;
  for (const s of sections) {
    lines.push('', ...s.head);
    for (const t of s.tables) {
      const shown = Math.max(0, Math.min(budget, t.rows.length));
      budget -= shown;
      lines.push('', t.heading, '', TABLE_HEADER, ...t.rows.slice(0, shown));
      if (shown < t.rows.length) lines.push(`| … | | | | … and ${t.rows.length - shown} more |`);
    }
  }
  return lines.join('\n');
}

export function buildSummary(ev: ContractsEvaluation, title: string, explanation: string, gate?: ApprovalGate, limit = CHECK_SUMMARY_LIMIT): string {
  const preamble = [`## ${cell(title)}`, '', explanation];
  if (gate && gate.state !== 'not_required') {
    const parts = [`Approval: **${gate.state.replace('_', ' ')}**`];
    if (gate.waitingFor?.length) parts.push(`waiting for ${gate.waitingFor.join(', ')}`);
    if (gate.approvedBy?.length) parts.push(`approved by ${gate.approvedBy.map((a) => `@${a.login} (${a.tier})`).join(', ')}`);
    preamble.push('', parts.join(' · '));
  }
  for (const note of ev.notes) preamble.push('', `> ${note}`);
  if (ev.invalidPacks.length > 0) {
    preamble.push('', '### Invalid policy packs', '');
    for (const bad of ev.invalidPacks) {
      preamble.push(`- \`${bad.file}\`${bad.id ? ` (\`${bad.id}\`)` : ''}:`);
      for (const e of bad.errors.slice(0, 10)) preamble.push(`  - \`${e.file}:${e.line}:${e.column}\` ${cell(e.message)}`);
      if (bad.errors.length > 10) preamble.push(`  - … and ${bad.errors.length - 10} more`);
    }
  }
  const sections = ev.packs.map(packSection);
  const total = sections.reduce((n, s) => n + s.tables.reduce((m, t) => m + t.rows.length, 0), 0);
  let text = render(preamble, sections, total);
  if (text.length > limit) {
    // Largest number of rows that fits, by bisection (render is linear).
    let lo = 0;
    let hi = total;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (render(preamble, sections, mid).length <= limit) lo = mid;
      else hi = mid - 1;
    }
    text = render(preamble, sections, lo);
  }
  if (text.length > limit) text = `${text.slice(0, limit - 40)}\n\n… (summary truncated)`;
  return text;
}
