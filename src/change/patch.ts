// Rebuilds a file as it was at the merge base from its content at head and the unified
// diff GitHub lists with the PR's files. The list is computed against the merge base, so
// this is the version the PR really changed — not the base branch's tip, which may have
// moved on — and it costs no request. Any mismatch returns undefined (the caller then
// reads the base from the API): a wrong base must never be guessed.

interface Hunk {
  /** 1-based first line of the hunk in the new (head) file. */
  newStart: number;
  lines: Array<{ op: ' ' | '-' | '+'; text: string; noNewline: boolean }>;
}

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

function parseHunks(patch: string): Hunk[] | undefined {
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  for (const line of patch.split('\n')) {
    const header = HUNK_HEADER.exec(line);
    if (header) {
      const newCount = header[2] === undefined ? 1 : Number(header[2]);
      // "+0,0": the new file is empty; the hunk starts "after line 0".
      current = { newStart: newCount === 0 ? Number(header[1]) + 1 : Number(header[1]), lines: [] };
      hunks.push(current);
      continue;
    }
    if (!current) {
      if (line === '') continue;
      return undefined;
    }
    if (line.startsWith('\\')) {
      const last = current.lines.at(-1);
      if (!last) return undefined;
      last.noNewline = true;
      continue;
    }
    const op = line[0];
    if (op === ' ' || op === '-' || op === '+') current.lines.push({ op, text: line.slice(1), noNewline: false });
    else if (line === '') current.lines.push({ op: ' ', text: '', noNewline: false }); // a context line of an empty line, trimmed
    else return undefined;
  }
  return hunks;
}

/** Lines with their terminators, so a missing final newline survives the round trip. */
function splitLines(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  return lines;
}

const body = (line: string) => (line.endsWith('\n') ? line.slice(0, -1) : line);

export function reverseApplyPatch(head: string, patch: string): string | undefined {
  const hunks = parseHunks(patch);
  if (!hunks || hunks.length === 0) return undefined;
  const headLines = splitLines(head);
  const out: string[] = [];
  let next = 0; // index into headLines
  for (const hunk of hunks) {
    const start = hunk.newStart - 1;
    if (start < next || start > headLines.length) return undefined;
    while (next < start) out.push(headLines[next++]!);
    for (const l of hunk.lines) {
      if (l.op === '-') {
        out.push(l.noNewline ? l.text : `${l.text}\n`);
        continue;
      }
      const actual = headLines[next];
      if (actual === undefined || body(actual) !== l.text) return undefined;
      next++;
      if (l.op === ' ') out.push(l.noNewline ? l.text : `${l.text}\n`);
    }
  }
  while (next < headLines.length) out.push(headLines[next++]!);
  return out.join('');
}
