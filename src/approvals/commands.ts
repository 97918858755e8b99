// Slash commands in PR comments. Pure.
//
// Commands are read from the comment's *visible* text only: the body is parsed as Markdown
// (CommonMark, mdast-util-from-markdown) and HTML (comments, blocks, inline tags), code
// (fenced, indented and inline) and block quotes are hidden from the reader — so
// `<!--\n/approve\n-->` under "Not yet", a quoted `/approve` or one in a code block never
// approves. A command is a line of that visible text that starts with `/` at the start of
// a source line (up to three spaces of indentation; four or more is an indented code
// block). The first command line of the comment counts; the rest is ignored. Command
// words are case-insensitive; `/approved` is not `/approve`.
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes } from 'mdast';

export type Command =
  | { kind: 'approve'; tier?: string }
  | { kind: 'approve_cancel' }
  | { kind: 'reject'; reason?: string }
  | { kind: 'recheck' }
  | { kind: 'help' }
  /** `/pj xyz` or `/approve a b`: answered with the help text. */
  | { kind: 'unknown'; text: string };

interface Range {
  start: number;
  end: number;
}

/** Node types whose text a reader never sees as prose (HTML is not rendered as text; code and quotes are not the commenter speaking). */
const HIDDEN: ReadonlySet<string> = new Set(['html', 'code', 'inlineCode', 'blockquote']);

/** The source ranges of hidden nodes, in document order (children of a hidden node are not visited). */
function hiddenRanges(body: string): { hidden: Range[]; html: Range[] } {
  const hidden: Range[] = [];
  const html: Range[] = [];
  // Depth-first in document order, without recursion (a comment can nest lists deeply).
  const stack: Nodes[] = [fromMarkdown(body)];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const p = node.position;
    if (HIDDEN.has(node.type) && p?.start.offset !== undefined && p.end.offset !== undefined) {
      hidden.push({ start: p.start.offset, end: p.end.offset });
      if (node.type === 'html') html.push({ start: p.start.offset, end: p.end.offset });
      continue;
    }
    if ('children' in node) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return { hidden, html };
}

/** The index of the first range ending after `offset` (ranges are sorted and disjoint). */
function firstEndingAfter(ranges: readonly Range[], offset: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function inside(ranges: readonly Range[], offset: number): boolean {
  const r = ranges[firstEndingAfter(ranges, offset)];
  return r !== undefined && r.start <= offset;
}

/** `body[from, to)` without the parts inside `ranges`. */
function without(body: string, from: number, to: number, ranges: readonly Range[]): string {
  let out = '';
  let at = from;
  for (let i = firstEndingAfter(ranges, from); i < ranges.length && ranges[i]!.start < to; i++) {
    const r = ranges[i]!;
    if (r.start > at) out += body.slice(at, r.start);
    at = Math.max(at, r.end);
  }
  if (at < to) out += body.slice(at, to);
  return out;
}

/** The command lines of a comment body: visible, at the start of a line. */
function commandLines(body: string): string[] {
  if (!/^ {0,3}\//m.test(body)) return []; // no line starts with `/`: nothing to parse
  const { hidden, html } = hiddenRanges(body);
  const out: string[] = [];
  const lineBreak = /\r\n|\r|\n/g;
  let start = 0;
  for (;;) {
    const m = lineBreak.exec(body);
    const end = m ? m.index : body.length;
    const line = body.slice(start, end);
    const lead = /^ {0,3}\//.exec(line);
    if (lead) {
      const slash = start + lead[0].length - 1;
      if (!inside(hidden, slash)) {
        // The rest of the line as the reader sees it: inline HTML (a comment, a tag) is not text.
        out.push(without(body, slash, end, html).trim());
      }
    }
    if (!m) break;
    start = m.index + m[0].length;
  }
  return out;
}

function parseLine(line: string): Command | undefined {
  const [word = '', ...rest] = line.split(/\s+/);
  const args = rest.filter((a) => a.length > 0);
  switch (word.toLowerCase()) {
    case '/approve':
      if (args.length === 0) return { kind: 'approve' };
      if (args.length === 1 && args[0]!.toLowerCase() === 'cancel') return { kind: 'approve_cancel' };
      if (args.length === 1) return { kind: 'approve', tier: args[0]! };
      return { kind: 'unknown', text: line };
    case '/reject': {
      const reason = line.slice(word.length).trim();
      return reason ? { kind: 'reject', reason } : { kind: 'reject' };
    }
    case '/pj': {
      const sub = args.map((a) => a.toLowerCase()).join(' ');
      if (sub === 'recheck') return { kind: 'recheck' };
      if (sub === 'help') return { kind: 'help' };
      return { kind: 'unknown', text: line };
    }
    default:
      // Other bots' commands (`/label`, `/assign`) and paths (`/usr/bin`) are not ours.
      return undefined;
  }
}

/** The first PuddleJumper command of a comment, or undefined when it has none. */
export function parseCommand(body: string | null | undefined): Command | undefined {
  if (!body) return undefined;
  for (const line of commandLines(body)) {
    const cmd = parseLine(line);
    if (cmd) return cmd;
  }
  return undefined;
}

/** True when the command would change a chain (approve, cancel, reject). */
export function isDecisionCommand(cmd: Command | undefined): boolean {
  return cmd !== undefined && (cmd.kind === 'approve' || cmd.kind === 'approve_cancel' || cmd.kind === 'reject');
}
