// The config repo's own check run: every pack error as an annotation at its file:line,
// or, when all is well, the packs with their version hashes.
import { allErrors } from '../packs/load-set.js';
import type { PackSet } from '../packs/types.js';
import { capAnnotations, CHECK_SUMMARY_LIMIT, omittedNote, type CheckAnnotation, type CheckRunPayload } from './check-run.js';

export const PACKS_CHECK_NAME = 'PuddleJumper / policy packs';

export function buildPacksCheck(set: PackSet, headSha: string): CheckRunPayload {
  const errors = allErrors(set);
  const table = packTable(set);
  if (errors.length > 0) {
    const all: CheckAnnotation[] = errors.map((e) => ({
      path: e.file,
      start_line: e.line,
      end_line: e.line,
      start_column: e.column,
      end_column: e.column,
      annotation_level: 'failure',
      title: e.file,
      message: e.message,
    }));
    const { annotations, omitted } = capAnnotations(all);
    const files = new Set(errors.map((e) => e.file)).size;
    const invalid = set.packs.filter((p) => !p.valid).length;
    const list = errors.map((e) => `- \`${e.file}:${e.line}:${e.column}\` ${escapeMd(e.message)}`).join('\n');
    const summary = clip(
      omitted > 0,
      [
        `**${plural(errors.length, 'error')}** in ${plural(files, 'file')}; ${plural(invalid, 'pack')} invalid.`,
        'Invalid packs fail closed: they fail the checks of the pull requests they would govern until fixed.',
        ...(omitted > 0 ? ['', `> ${omittedNote(annotations.length, omitted, 'errors')}`] : []),
        '',
        list,
        '',
        table,
      ].join('\n'),
    );
    return {
      name: PACKS_CHECK_NAME,
      headSha,
      status: 'completed',
      conclusion: 'failure',
      title: `${plural(errors.length, 'error')} in policy packs`,
      summary,
      annotations,
    };
  }
  const n = set.packs.length;
  return {
    name: PACKS_CHECK_NAME,
    headSha,
    status: 'completed',
    conclusion: 'success',
    title: n === 0 ? 'No policy packs found' : `${plural(n, 'policy pack')} valid`,
    summary: clip(false, n === 0 ? 'The packs folder holds no pack files.' : table),
    annotations: [],
  };
}

function packTable(set: PackSet): string {
  if (set.packs.length === 0) return '';
  const rows = set.packs.map((p) =>
    p.valid
      ? `| \`${p.pack.id}\` | ${escapeMd(p.pack.name)} | \`${p.file}\` | ${p.pack.status}${p.pack.testMode.enabled ? ' (test mode)' : ''} | \`${p.versionHash.slice(0, 12)}\` |`
      : `| \`${p.id ?? '?'}\` |  | \`${p.file}\` | invalid (${plural(p.errors.length, 'error')}) | — |`,
  );
  return ['| Pack | Name | File | Status | Version |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function escapeMd(s: string): string {
  return s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function clip(capped: boolean, s: string): string {
  if (s.length <= CHECK_SUMMARY_LIMIT) return s;
  const note = capped ? '\n\n… (truncated; `npx pj validate` lists every error)' : '\n\n… (truncated; every error is also an annotation)';
  return s.slice(0, CHECK_SUMMARY_LIMIT - note.length) + note;
}
