// The `PuddleJumper / contracts` check run, rendered from a Track A evaluation and the
// gate decision (contracts/gate.ts decides; this file only renders). Pure.
import type { ContractsEvaluation, PackEvaluation } from '../contracts/evaluate.js';
import type { Finding } from '../contracts/findings.js';
import type { ApprovalState, GateDecision, HeadGate } from '../contracts/gate.js';
import { SEVERITY_ORDER } from '../contracts/scoring.js';
import type { Severity } from '../packs/schema.js';
import { capAnnotations, CHECK_SUMMARY_LIMIT, omittedNote, type CheckAnnotation, type CheckRunPayload } from './check-run.js';

export const CONTRACTS_CHECK_NAME = 'PuddleJumper / contracts';

const TITLE_LIMIT = 250;
const CELL_LIMIT = 400;

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

export function buildContractsCheck(evaluation: ContractsEvaluation, decision: GateDecision): CheckRunPayload {
  const { conclusion, title, explanation } = decision.contracts;
  const { annotations, omitted } = capAnnotations(buildAnnotations(evaluation));
  // The note goes with the evaluation's own notes, at the top of the summary.
  const noted = omitted > 0 ? { ...evaluation, notes: [...evaluation.notes, omittedNote(annotations.length, omitted, 'findings')] } : evaluation;
  return {
    name: CONTRACTS_CHECK_NAME,
    headSha: evaluation.headSha,
    status: 'completed',
    ...(conclusion ? { conclusion } : {}),
    title: clip(title, TITLE_LIMIT),
    summary: buildSummary(noted, title, explanation, decision.gated ? decision.approval : undefined),
    annotations,
  };
}

/** One PR's part in a commit's check: its evaluation and its own gate decision. */
export interface HeadPart {
  prNumber: number;
  base?: string;
  evaluation: ContractsEvaluation;
  decision: GateDecision;
}

/**
 * The contracts check of a commit that is the head of one or more open PRs. One PR: the
 * check of its evaluation, as ever. Several: the strictest verdict (`head`, decided by
 * contracts/gate.ts `strictest`), a table naming each PR with its own verdict, each PR's
 * summary below it, and the annotations of all of them (each once).
 */
export function buildHeadContractsCheck(headSha: string, parts: readonly HeadPart[], head: HeadGate): CheckRunPayload {
  if (parts.length === 1) return buildContractsCheck(parts[0]!.evaluation, parts[0]!.decision);
  const { conclusion, title, explanation } = head.contracts;
  const order = head.prs.map((g) => parts.find((p) => p.prNumber === g.prNumber)!);
  const table = [
    '| Pull request | Base | Conclusion | Title |',
    '|---|---|---|---|',
    ...order.map((p) => `| #${p.prNumber} | ${p.base ? `\`${cell(p.base)}\`` : ''} | ${p.decision.contracts.conclusion ?? p.decision.contracts.status} | ${cell(p.decision.contracts.title)} |`),
  ];
  const preamble = [`## ${cell(title)}`, '', explanation, '', ...table].join('\n');
  const each = Math.floor((CHECK_SUMMARY_LIMIT - preamble.length - 200) / order.length);
  const sections = order.map((p) => {
    const d = p.decision;
    const body = buildSummary(p.evaluation, d.contracts.title, d.contracts.explanation, d.gated ? d.approval : undefined, Math.max(500, each - 80));
    return `\n\n---\n\n# #${p.prNumber}${p.base ? ` → ${cell(p.base)}` : ''}\n\n${body}`;
  });
  let summary = preamble + sections.join('');
  if (summary.length > CHECK_SUMMARY_LIMIT) summary = `${summary.slice(0, CHECK_SUMMARY_LIMIT - 40)}\n\n… (summary truncated)`;
  const seen = new Set<string>();
  const annotations = order.flatMap((p) => buildAnnotations(p.evaluation)).filter((a) => {
    const key = `${a.path}\0${a.start_line}\0${a.title}\0${a.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    name: CONTRACTS_CHECK_NAME,
    headSha,
    status: 'completed',
    ...(conclusion ? { conclusion } : {}),
    title: clip(title, TITLE_LIMIT),
    summary,
    annotations,
  };
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
      const a: CheckAnnotation = {
        path,
        start_line: f.line,
        end_line: f.line,
        annotation_level: ANNOTATION_LEVEL[f.level],
        title: `${f.ruleId} (${f.severity})`,
        message: f.message,
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

export function buildSummary(ev: ContractsEvaluation, title: string, explanation: string, gate?: ApprovalState, limit = CHECK_SUMMARY_LIMIT): string {
  const preamble = [`## ${cell(title)}`, '', explanation];
  if (gate && gate.state !== 'not_required') {
    const parts = [`Approval: **${gate.state.replace('_', ' ')}**`];
    if (gate.waitingFor.length) parts.push(`waiting for ${gate.waitingFor.join(', ')}`);
    if (gate.approvedBy.length) parts.push(`approved by ${gate.approvedBy.map((a) => `@${a.login} (${a.tier})`).join(', ')}`);
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
