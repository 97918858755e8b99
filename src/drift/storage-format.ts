// Confluence pages are stored as XHTML ("storage format"); the detectors read Markdown.
// `projectStorage` turns a page body into a Markdown view — headings, paragraphs, lists,
// inline code, code macros as fenced blocks, tables as pipe tables — and remembers, for
// every character of the view that came from the page's text, where it is in the body.
// `storageEdits` maps a patch made on the view back onto the body: an edit that only
// replaces text inside one text run (a renamed script, a variable in a code span) maps
// exactly (its replacement escaped); an edit that would add or remove structure (a table
// row, a list item) does not, and the item is left for a person. Pure.
import type { TextEdit } from './item.js';

export interface StorageView {
  text: string;
  /** Body offset of each view character; -1 for characters the projection added. */
  map: Int32Array;
}

const BLOCK_BREAK = new Set(['p', 'div', 'ul', 'ol', 'table', 'blockquote', 'pre']);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** The view being built: its characters, their body offsets, and where in a list or table it is. */
interface Projection {
  out: string[];
  map: number[];
  inLi: number;
  cells: number;
  rowIndex: number;
}

export function projectStorage(body: string): StorageView {
  const v: Projection = { out: [], map: [], inLi: 0, cells: 0, rowIndex: 0 };
  let i = 0;
  while (i < body.length) {
    if (body.startsWith('<![CDATA[', i)) i = cdata(v, body, i);
    else if (body[i] === '<') {
      const end = body.indexOf('>', i);
      if (end === -1) break;
      tag(v, body.slice(i + 1, end));
      i = end + 1;
    } else i = entity(v, body, i) ?? text(v, body, i);
  }
  return { text: v.out.join(''), map: Int32Array.from(v.map) };
}

function synth(v: Projection, s: string): void {
  for (const ch of s) {
    v.out.push(ch);
    v.map.push(-1);
  }
}

function text(v: Projection, body: string, i: number): number {
  v.out.push(body[i]!);
  v.map.push(i);
  return i + 1;
}

/** A code macro's CDATA body: a fenced block whose characters map onto the body. */
function cdata(v: Projection, body: string, i: number): number {
  const end = body.indexOf(']]>', i + 9);
  const stop = end === -1 ? body.length : end;
  synth(v, '\n\n```\n');
  for (let k = i + 9; k < stop; k++) text(v, body, k);
  synth(v, '\n```\n\n');
  return end === -1 ? body.length : end + 3;
}

function tag(v: Projection, raw: string): void {
  const closing = raw.startsWith('/');
  const name = raw.replace(/^\//, '').split(/[\s/>]/)[0]!.toLowerCase();
  const h = /^h([1-6])$/.exec(name);
  if (h) synth(v, closing ? '\n\n' : `\n\n${'#'.repeat(Number(h[1]))} `);
  else if (name === 'li') {
    if (!closing) {
      v.inLi++;
      synth(v, '\n- ');
    } else v.inLi--;
  } else if (name === 'code') synth(v, '`');
  else if (name === 'br') synth(v, '\n');
  else if (name === 'tr') row(v, closing);
  else if (name === 'th' || name === 'td') {
    if (!closing) {
      v.cells++;
      synth(v, ' ');
    } else synth(v, ' |');
  } else if (name === 'table' && !closing) {
    v.rowIndex = 0;
    synth(v, '\n\n');
  } else if (BLOCK_BREAK.has(name) && !(name === 'p' && v.inLi > 0)) synth(v, '\n\n');
}

/** A table row: a pipe row; the first one is followed by the header separator. */
function row(v: Projection, closing: boolean): void {
  if (!closing) {
    v.cells = 0;
    synth(v, '\n|');
    return;
  }
  if (v.rowIndex === 0) synth(v, `\n|${' --- |'.repeat(Math.max(1, v.cells))}`);
  v.rowIndex++;
}

/** An entity is several body characters: one view character an edit is never mapped through. */
function entity(v: Projection, body: string, i: number): number | undefined {
  if (body[i] !== '&') return undefined;
  const m = /^&(#x[0-9a-f]+|#\d+|[a-z]+);/i.exec(body.slice(i, i + 12));
  if (!m) return undefined;
  const e = m[1]!;
  const ch = e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (ENTITIES[e.toLowerCase()] ?? m[0]);
  v.out.push(ch);
  v.map.push(-1);
  return i + m[0].length;
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The body edits for view edits, or undefined when one of them would change structure. */
export function storageEdits(view: StorageView, edits: readonly TextEdit[]): TextEdit[] | undefined {
  const out: TextEdit[] = [];
  for (const e of edits) {
    if (/[\n|`#]/.test(e.replacement)) return undefined;
    if (e.end > e.start) {
      const first = view.map[e.start]!;
      if (first < 0) return undefined;
      for (let k = e.start + 1; k < e.end; k++) if (view.map[k] !== first + (k - e.start)) return undefined;
      out.push({ start: first, end: view.map[e.end - 1]! + 1, replacement: escapeText(e.replacement) });
    } else {
      const at = view.map[e.start] ?? -1;
      const before = e.start > 0 ? view.map[e.start - 1]! : -1;
      if (at >= 0) out.push({ start: at, end: at, replacement: escapeText(e.replacement) });
      else if (before >= 0) out.push({ start: before + 1, end: before + 1, replacement: escapeText(e.replacement) });
      else return undefined;
    }
  }
  return out;
}
