// The doc as detectors see it: a Markdown tree with positions (mdast-util-from-markdown),
// its sections by heading, its marker-bounded regions, its skip regions, its code and its
// tables — every piece with exact offsets into the text, so that patches are precise.
// Pure; never a regular expression over the whole file (small ones on one node's text).
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes, Root } from 'mdast';

/** Docs above this size are not parsed: one clear item instead. */
export const MAX_DOC_BYTES = 1024 * 1024;

export interface Range {
  start: number;
  end: number;
}

export interface Heading extends Range {
  depth: number;
  title: string;
  line: number;
  /** Where the section (this heading and everything up to the next heading of the same or a higher level) ends. */
  sectionEnd: number;
  /** "Parent > Child" titles. */
  path: string;
}

export interface Marker {
  name: string;
  attrs: Record<string, string>;
  /** The opening comment. */
  open: Range;
  /** The closing comment, or undefined when it is missing. */
  close?: Range;
  line: number;
}

export interface CodeNode extends Range {
  kind: 'inline' | 'fenced';
  /** The source text of the node (fences and backticks included). */
  raw: string;
}

export interface Cell extends Range {
  /** Trimmed source text of the cell. */
  text: string;
}

export interface TableRow extends Range {
  /** Offsets of the whole line including its line break. */
  cells: Cell[];
  line: number;
}

export interface Table extends Range {
  header: TableRow;
  delimiter: TableRow;
  rows: TableRow[];
  line: number;
}

export interface DocProblem {
  rule: string;
  message: string;
  line?: number;
}

/**
 * What the detectors read of a doc's Markdown tree, flat: one entry per node of the kinds they
 * look at (code, inline code, text, paragraphs, headings, table cells, HTML), with its source
 * offsets, its line, a heading's depth, and a heading's title or an HTML node's value. It is
 * what a parse worker sends back (src/sandbox): typed arrays and one string, cheap to clone,
 * so the app's own thread never parses an untrusted doc nor copies a tree.
 */
export interface DocOutline {
  kinds: Uint8Array;
  starts: Uint32Array;
  ends: Uint32Array;
  /** 1-based line of each node's start, as the parser counts lines. */
  lines: Uint32Array;
  /** A heading's depth, else 0. */
  depths: Uint8Array;
  /** Heading titles and HTML values, in node order, concatenated; `stringLengths` cuts them. */
  strings: string;
  stringLengths: Uint32Array;
}

/** The node kinds an outline keeps (their index is the kind). */
export const OUTLINE_KINDS = ['code', 'inlineCode', 'text', 'paragraph', 'heading', 'tableCell', 'html'] as const;
export type OutlineKind = (typeof OUTLINE_KINDS)[number];
const KIND_INDEX = new Map<string, number>(OUTLINE_KINDS.map((k, i) => [k, i]));

/** The outline of a parsed tree (in document order). */
export function outlineOf(root: Root): DocOutline {
  const kinds: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const lines: number[] = [];
  const depths: number[] = [];
  const strings: string[] = [];
  walk(root, (node) => {
    const kind = KIND_INDEX.get(node.type);
    const start = node.position?.start.offset;
    const end = node.position?.end.offset;
    if (kind === undefined || start === undefined || end === undefined) return;
    kinds.push(kind);
    starts.push(start);
    ends.push(end);
    lines.push(node.position!.start.line);
    depths.push(node.type === 'heading' ? node.depth : 0);
    if (node.type === 'heading') strings.push(plainText(node).trim());
    else if (node.type === 'html') strings.push(node.value);
  });
  return {
    kinds: Uint8Array.from(kinds),
    starts: Uint32Array.from(starts),
    ends: Uint32Array.from(ends),
    lines: Uint32Array.from(lines),
    depths: Uint8Array.from(depths),
    strings: strings.join(''),
    stringLengths: Uint32Array.from(strings, (x) => x.length),
  };
}

/** One outline node, as the doc's queries see it. */
interface OutlineNode extends Range {
  kind: OutlineKind;
  line: number;
  depth: number;
  /** A heading's title, an HTML node's value; else ''. */
  value: string;
}

export class MarkdownDoc {
  readonly headings: Heading[];
  readonly markers: Marker[];
  /** Regions between skip markers: nothing inside them counts. */
  readonly skips: Range[];
  readonly problems: DocProblem[];
  private readonly lineStarts: number[];
  private readonly nodes: OutlineNode[];

  constructor(
    readonly path: string,
    readonly text: string,
    outline: DocOutline,
  ) {
    this.lineStarts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    this.nodes = readOutline(outline, text.length);
    this.headings = collectHeadings(this.nodes, text);
    const { markers, problems } = collectMarkers(this.nodes, this);
    this.markers = markers;
    this.problems = problems;
    this.skips = markers.filter((m) => m.name === 'skip').map((m) => ({ start: m.open.start, end: m.close?.end ?? text.length }));
  }

  /** The nodes of some kinds (in document order), as source ranges. */
  spans(kinds: readonly OutlineKind[]): Range[] {
    return this.nodes.filter((n) => kinds.includes(n.kind)).map((n) => ({ start: n.start, end: n.end }));
  }

  /** 1-based line of an offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  lineStart(offset: number): number {
    return this.lineStarts[this.lineOf(offset) - 1]!;
  }

  /** Offset just past the line break of the line holding `offset` (or the end of the text). */
  lineEnd(offset: number): number {
    const line = this.lineOf(offset);
    return this.lineStarts[line] ?? this.text.length;
  }

  isSkipped(offset: number): boolean {
    return this.skips.some((s) => offset >= s.start && offset < s.end);
  }

  /** The section under a heading (case and surrounding space ignored; "A > B" paths accepted). */
  section(name: string): Heading | undefined {
    const want = normaliseTitle(name);
    return this.headings.find((h) => normaliseTitle(h.title) === want) ?? this.headings.find((h) => normaliseTitle(h.path) === want);
  }

  /** The heading path that encloses an offset, "" before the first heading. */
  sectionAt(offset: number): string {
    let best: Heading | undefined;
    for (const h of this.headings) if (h.start <= offset && offset < h.sectionEnd && (!best || h.depth > best.depth)) best = h;
    return best?.path ?? '';
  }

  /** Inline code and fenced/indented code blocks in a range, outside skip regions. */
  code(range: Range = { start: 0, end: this.text.length }): CodeNode[] {
    const out: CodeNode[] = [];
    for (const node of this.nodes) {
      if (node.kind !== 'inlineCode' && node.kind !== 'code') continue;
      const { start, end } = node;
      if (start < range.start || end > range.end || this.isSkipped(start)) continue;
      out.push({ kind: node.kind === 'code' ? 'fenced' : 'inline', start, end, raw: this.text.slice(start, end) });
    }
    return out.sort((a, b) => a.start - b.start);
  }

  /** Paragraph and heading text in a range (source text, offsets), outside skip regions. */
  prose(range: Range = { start: 0, end: this.text.length }): Array<Range & { raw: string }> {
    const out: Array<Range & { raw: string }> = [];
    for (const node of this.nodes) {
      if (node.kind !== 'paragraph' && node.kind !== 'heading' && node.kind !== 'tableCell') continue;
      const { start, end } = node;
      if (start < range.start || end > range.end || this.isSkipped(start)) continue;
      out.push({ start, end, raw: this.text.slice(start, end) });
    }
    return out.sort((a, b) => a.start - b.start);
  }

  /**
   * GFM pipe tables in a range. The parser here is CommonMark (no GFM extension), where a
   * table is a paragraph: its lines are split into cells here, with exact offsets.
   */
  tables(range: Range = { start: 0, end: this.text.length }): Table[] {
    const out: Table[] = [];
    for (const node of this.nodes) {
      if (node.kind !== 'paragraph') continue;
      const { start, end } = node;
      if (start < range.start || end > range.end || this.isSkipped(start)) continue;
      const table = this.tableIn(start, end);
      if (table) out.push(table);
    }
    return out.sort((a, b) => a.start - b.start);
  }

  private tableIn(start: number, end: number): Table | undefined {
    const lines: TableRow[] = [];
    for (let at = this.lineStart(start); at < end; ) {
      const lineEnd = this.lineEnd(at);
      const body = this.text.slice(at, lineEnd).replace(/\r?\n$/, '');
      lines.push({ start: at, end: lineEnd, cells: splitCells(body, at), line: this.lineOf(at) });
      at = lineEnd;
    }
    if (lines.length < 2 || !DELIMITER_ROW.test(this.text.slice(lines[1]!.start, lines[1]!.end).trim())) return undefined;
    if (!this.text.slice(lines[0]!.start, lines[0]!.end).includes('|')) return undefined;
    const [header, delimiter, ...rows] = lines;
    return { start: lines[0]!.start, end: lines[lines.length - 1]!.end, header: header!, delimiter: delimiter!, rows, line: header!.line };
  }
}

const DELIMITER_ROW = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$/;

/** Cells of one table line: split on `|` that is neither escaped nor inside a code span. */
function splitCells(line: string, offset: number): Cell[] {
  const cells: Cell[] = [];
  let cellStart = 0;
  let inCode = 0;
  const bounds: number[] = [];
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '`') {
      let run = 1;
      while (line[i + run] === '`') run++;
      if (inCode === 0) inCode = run;
      else if (inCode === run) inCode = 0;
      i += run - 1;
      continue;
    }
    if (ch === '|' && inCode === 0) bounds.push(i);
  }
  const trimmed = line.trimStart();
  const lead = line.length - trimmed.length;
  const pieces: Array<[number, number]> = [];
  let from = bounds[0] === lead ? lead + 1 : 0;
  for (const b of bounds) {
    if (b === lead && from === lead + 1) continue;
    pieces.push([from, b]);
    from = b + 1;
  }
  if (line.slice(from).trim() !== '') pieces.push([from, line.length]);
  for (const [a, b] of pieces) {
    const raw = line.slice(a, b);
    const left = raw.length - raw.trimStart().length;
    const text = raw.trim();
    cellStart = offset + a + left;
    cells.push({ start: cellStart, end: cellStart + text.length, text });
  }
  return cells;
}

export function normaliseTitle(title: string): string {
  return title.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Parses a doc, or says why it cannot be read as Markdown. */
export function parseDoc(path: string, text: string, maxBytes = MAX_DOC_BYTES): MarkdownDoc | DocProblem {
  const outline = readDocOutline(path, text, maxBytes);
  return 'rule' in outline ? outline : new MarkdownDoc(path, text, outline);
}

/**
 * The parse itself (what a parse worker runs on an untrusted doc): the outline, or why the
 * doc cannot be read as Markdown. `docFromOutline` builds the doc from it without parsing.
 */
export function readDocOutline(path: string, text: string, maxBytes = MAX_DOC_BYTES): DocOutline | DocProblem {
  const bytes = text.length * 3 <= maxBytes ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return { rule: 'problem.doc-too-large', message: `${path} is ${(bytes / 1048576).toFixed(1)} MB, over the ${(maxBytes / 1048576).toFixed(1)} MB limit: it was not checked for drift` };
  }
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    return { rule: 'problem.doc-not-text', message: `${path} contains a NUL byte (binary content?): it was not checked for drift`, line: lineCount(text, nul) };
  }
  try {
    return outlineOf(fromMarkdown(text));
  } catch (error) {
    return { rule: 'problem.doc-unparsable', message: `${path} could not be parsed as Markdown: ${(error as Error).message}` };
  }
}

/** The doc from an outline made elsewhere (a parse worker): no parse here. */
export function docFromOutline(path: string, text: string, outline: DocOutline | DocProblem): MarkdownDoc | DocProblem {
  return 'rule' in outline ? outline : new MarkdownDoc(path, text, outline);
}

/** The outline's nodes as objects; an outline that does not fit the text is refused (it came over a message). */
function readOutline(o: DocOutline, textLength: number): OutlineNode[] {
  const n = o.kinds.length;
  if (o.starts.length !== n || o.ends.length !== n || o.lines.length !== n || o.depths.length !== n) throw new Error('a doc outline whose arrays differ in length');
  const nodes: OutlineNode[] = new Array(n);
  let at = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const kind = OUTLINE_KINDS[o.kinds[i]!];
    const start = o.starts[i]!;
    const end = o.ends[i]!;
    if (kind === undefined || start > end || end > textLength) throw new Error(`a doc outline node out of range (${start}-${end} of ${textLength})`);
    let value = '';
    if (kind === 'heading' || kind === 'html') {
      const len = o.stringLengths[s++] ?? 0;
      value = o.strings.slice(at, at + len);
      at += len;
    }
    nodes[i] = { kind, start, end, line: o.lines[i]!, depth: o.depths[i]!, value };
  }
  return nodes;
}

function lineCount(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export function isDocProblem(value: MarkdownDoc | DocProblem): value is DocProblem {
  return !(value instanceof MarkdownDoc);
}

/** Depth-first, iterative (a deeply nested doc cannot overflow the stack). */
export function walk(root: Nodes, visit: (node: Nodes) => void): void {
  const stack: Nodes[] = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    visit(node);
    if ('children' in node) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as Nodes);
  }
}

function plainText(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  if ('children' in node) return (node.children as Nodes[]).map(plainText).join('');
  return '';
}

function collectHeadings(nodes: readonly OutlineNode[], text: string): Heading[] {
  const found: Array<Omit<Heading, 'sectionEnd' | 'path'>> = [];
  for (const node of nodes) {
    if (node.kind !== 'heading') continue;
    found.push({ depth: node.depth, title: node.value, start: node.start, end: node.end, line: node.line });
  }
  found.sort((a, b) => a.start - b.start);
  const stack: Heading[] = [];
  const out: Heading[] = [];
  found.forEach((h, i) => {
    let sectionEnd = text.length;
    for (let j = i + 1; j < found.length; j++) {
      if (found[j]!.depth <= h.depth) {
        sectionEnd = found[j]!.start;
        break;
      }
    }
    while (stack.length && stack[stack.length - 1]!.depth >= h.depth) stack.pop();
    const path = [...stack.map((s) => s.title), h.title].join(' > ');
    const heading = { ...h, sectionEnd, path };
    stack.push(heading);
    out.push(heading);
  });
  return out;
}

const MARKER = /^<!--\s*(\/?)puddlejumper:([a-z_-]+)((?:\s+[a-z_-]+=(?:"[^"]*"|\S+?))*)\s*-->$/i;

function collectMarkers(nodes: readonly OutlineNode[], doc: MarkdownDoc): { markers: Marker[]; problems: DocProblem[] } {
  const comments: Array<{ closing: boolean; name: string; attrs: Record<string, string>; range: Range; line: number }> = [];
  for (const node of nodes) {
    if (node.kind !== 'html') continue;
    const start = node.start;
    // A block of HTML may hold several comments, one a line.
    let at = start;
    for (const line of node.value.split('\n')) {
      const m = MARKER.exec(line.trim());
      if (m) {
        const lead = line.length - line.trimStart().length;
        const attrs: Record<string, string> = {};
        for (const a of (m[3] ?? '').trim().split(/\s+/).filter(Boolean)) {
          const eq = a.indexOf('=');
          attrs[a.slice(0, eq).toLowerCase()] = a.slice(eq + 1).replace(/^"|"$/g, '');
        }
        const s = at + lead;
        comments.push({ closing: m[1] === '/', name: m[2]!.toLowerCase(), attrs, range: { start: s, end: s + line.trim().length }, line: doc.lineOf(s) });
      }
      at += line.length + 1;
    }
  }
  comments.sort((a, b) => a.range.start - b.range.start);
  const markers: Marker[] = [];
  const problems: DocProblem[] = [];
  const open = new Map<string, Marker>();
  for (const c of comments) {
    if (!c.closing) {
      const already = open.get(c.name);
      if (already) problems.push({ rule: 'problem.marker-unclosed', message: `<!-- puddlejumper:${c.name} --> opened at line ${already.line} is opened again at line ${c.line} before it is closed`, line: already.line });
      const marker: Marker = { name: c.name, attrs: c.attrs, open: c.range, line: c.line };
      open.set(c.name, marker);
      markers.push(marker);
    } else {
      const marker = open.get(c.name);
      if (!marker) {
        problems.push({ rule: 'problem.marker-unopened', message: `<!-- /puddlejumper:${c.name} --> at line ${c.line} closes nothing`, line: c.line });
        continue;
      }
      marker.close = c.range;
      open.delete(c.name);
    }
  }
  for (const m of open.values()) {
    problems.push({ rule: 'problem.marker-unclosed', message: `<!-- puddlejumper:${m.name} --> at line ${m.line} is never closed (<!-- /puddlejumper:${m.name} -->)${m.name === 'skip' ? ': everything after it is skipped' : ''}`, line: m.line });
  }
  return { markers, problems };
}
