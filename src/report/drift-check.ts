// The `PuddleJumper / drift` check run on an open pull request: what merging it would make
// stale, with each patch as a unified diff. Pure.
//
// Conclusion: `neutral` when there is drift (or a problem item: the detector could not
// look), `success` when none — never `failure`: drift is fixed after the merge, by a
// remediation PR, and must not block the change that causes it. No pack with Track B ->
// no check at all (`buildDriftCheck` returns null).
import { docKey, isProblem, type DocTarget } from '../drift/item.js';
import { BANDS, type Band, type Routed, type ScoredItem } from '../drift/materiality.js';
import { CHECK_SUMMARY_LIMIT, type CheckAnnotation, type CheckRunPayload } from './check-run.js';

export const DRIFT_CHECK_NAME = 'PuddleJumper / drift';

export interface DriftCheckDoc {
  packId: string;
  packName: string;
  testMode: boolean;
  docTarget: DocTarget;
  routed: Routed;
}

const BAND_LABEL: Record<Band, string> = {
  auto: 'remediation released automatically',
  notify: 'remediation PR, approvers asked',
  digest: 'digest issue',
  below: 'below the digest threshold (listed only)',
  ignore: 'ignored',
};

const ANNOTATION_LIMIT = 50;
const DIFF_LIMIT = 6000;

export function docLabel(t: DocTarget): string {
  return t.repo && t.path ? `${t.repo}/${t.path}` : (t.path ?? `${t.system} ${t.id ?? ''}`.trim());
}

function cell(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').slice(0, 400);
}

export function buildDriftCheck(docs: readonly DriftCheckDoc[], headSha: string, limit = CHECK_SUMMARY_LIMIT): CheckRunPayload | null {
  if (docs.length === 0) return null;
  const shown = (d: DriftCheckDoc) => BANDS.filter((b) => b !== 'ignore').flatMap((b) => d.routed[b]);
  const all = docs.flatMap(shown);
  const problems = all.filter((s) => isProblem(s.item));
  const drift = all.filter((s) => !isProblem(s.item));
  const ignored = docs.reduce((n, d) => n + d.routed.ignore.length, 0);
  const docCount = new Set(docs.filter((d) => shown(d).some((s) => !isProblem(s.item))).map((d) => docKey(d.docTarget))).size;
  const onlyTest = docs.every((d) => d.testMode);
  let title: string;
  if (all.length === 0) title = ignored > 0 ? `No documentation drift (${ignored} below every threshold)` : 'No documentation drift';
  else {
    const parts = [];
    if (drift.length) parts.push(`${drift.length} drift item${drift.length > 1 ? 's' : ''} in ${docCount} doc${docCount > 1 ? 's' : ''}`);
    if (problems.length) parts.push(`${problems.length} could not be checked`);
    title = parts.join(', ');
  }
  if (onlyTest) title = `[test mode] ${title}`;
  const conclusion = all.length === 0 ? 'success' : 'neutral';
  const intro = [
    `## ${cell(title)}`,
    '',
    all.length === 0
      ? 'Merging this pull request leaves the documentation that the policy packs watch as it is.'
      : 'Merging this pull request would make these docs stale. This check never fails: after the merge PuddleJumper proposes the fixes below (a remediation PR or the digest issue), by materiality.',
  ];
  const sections = docs.map((d) => docSection(d));
  let summary = [...intro, ...sections.flatMap((s) => s.head), ...sections.flatMap((s) => s.diffs)].join('\n');
  if (summary.length > limit) {
    // Diffs go first; tables stay.
    summary = [...intro, ...sections.flatMap((s) => s.head), '', '_Patch previews omitted: the summary is over GitHub\'s size limit._'].join('\n');
    if (summary.length > limit) summary = `${summary.slice(0, limit - 40)}\n\n… (summary truncated)`;
  }
  return {
    name: DRIFT_CHECK_NAME,
    headSha,
    status: 'completed',
    conclusion,
    title: title.slice(0, 250),
    summary,
    annotations: annotations(docs),
  };
}

function itemRow(s: ScoredItem): string {
  const where = s.item.docLine ? `line ${s.item.docLine}` : '';
  const evidence = s.item.evidence.filter((e) => e.side !== 'doc').map((e) => `\`${e.file}:${e.line}\``).slice(0, 3).join(' ');
  return `| ${s.band} | ${s.score.toFixed(3)} | ${s.severity} | \`${s.item.rule}\` | ${cell(s.item.message)} | ${where} | ${evidence} |`;
}

function docSection(d: DriftCheckDoc): { head: string[]; diffs: string[] } {
  const items = BANDS.filter((b) => b !== 'ignore' && b !== 'below').flatMap((b) => d.routed[b]);
  const below = d.routed.below;
  const head = ['', `### \`${docLabel(d.docTarget)}\` — ${cell(d.packName)} (\`${d.packId}\`)${d.testMode ? ' · **test mode**' : ''}`, ''];
  if (items.length === 0 && below.length === 0) head.push(d.routed.ignore.length ? `No drift above the thresholds (${d.routed.ignore.length} ignored).` : 'No drift.');
  else {
    if (items.length) {
      head.push('| Band | Score | Severity | Rule | What | Doc | Evidence |', '|---|---|---|---|---|---|---|', ...items.map(itemRow));
      const counts = BANDS.filter((b) => d.routed[b].length > 0 && b !== 'below' && b !== 'ignore').map((b) => `${d.routed[b].length} → ${BAND_LABEL[b]}`);
      head.push('', counts.join(' · '));
    }
    if (below.length) {
      head.push('', `<details><summary>${below.length} below the digest threshold (no remediation; tick it in the digest to ask for one)</summary>`, '', '| Band | Score | Severity | Rule | What | Doc | Evidence |', '|---|---|---|---|---|---|---|', ...below.map(itemRow), '', '</details>');
    }
  }
  const diffs: string[] = [];
  const patched = [...items, ...below].filter((s) => s.item.patch);
  if (patched.length) {
    diffs.push('', `#### Patch preview: \`${docLabel(d.docTarget)}\``);
    for (const s of patched) {
      const diff = s.item.patch!.diff.length > DIFF_LIMIT ? `${s.item.patch!.diff.slice(0, DIFF_LIMIT)}\n… (diff truncated)` : s.item.patch!.diff;
      diffs.push('', `\`${s.item.rule}\` ${cell(s.item.subject)}`, '', '```diff', diff.trimEnd(), '```');
    }
  }
  return { head, diffs };
}

/** A notice on the lines of this PR that cause drift (evidence on the head side). */
function annotations(docs: readonly DriftCheckDoc[]): CheckAnnotation[] {
  const out: CheckAnnotation[] = [];
  const seen = new Set<string>();
  for (const d of docs) {
    for (const band of ['auto', 'notify', 'digest'] as const) {
      for (const s of d.routed[band]) {
        for (const e of s.item.evidence) {
          if (e.side !== 'head' || out.length >= ANNOTATION_LIMIT) continue;
          const key = `${e.file}\0${e.line}\0${s.item.fingerprint}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({
            path: e.file,
            start_line: e.line,
            end_line: e.line,
            annotation_level: 'notice',
            title: `Documentation drift: ${s.item.rule}`,
            message: `${s.item.message} (${docLabel(d.docTarget)}${s.item.docLine ? `:${s.item.docLine}` : ''})`,
          });
        }
      }
    }
  }
  return out;
}
