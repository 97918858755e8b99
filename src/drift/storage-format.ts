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

export function projectStorage(body: string): StorageView {
  const out: string[] = [];
  const map: number[] = [];
  const synth = (s: string) => {
    for (const ch of s) {
      out.push(ch);
      map.push(-1);
    }
  };
  let inLi = 0;
  let cells = 0;
  let rowIndex = 0;
  let i = 0;
  while (i < body.length) {
    if (body.startsWith('<![CDATA[', i)) {
      const end = body.indexOf(']]>', i + 9);
      const stop = end === -1 ? body.length : end;
      synth('\n\n```\n');
      for (let k = i + 9; k < stop; k++) {
        out.push(body[k]!);
        map.push(k);
      }
      synth('\n```\n\n');
      i = end === -1 ? body.length : end + 3;
      continue;
    }
    if (body[i] === '<') {
      const end = body.indexOf('>', i);
      if (end === -1) break;
      const raw = body.slice(i + 1, end);
      const closing = raw.startsWith('/');
      const name = raw.replace(/^\//, '').split(/[\s/>]/)[0]!.toLowerCase();
      const h = /^h([1-6])$/.exec(name);
      if (h) synth(closing ? '\n\n' : `\n\n${'#'.repeat(Number(h[1]))} `);
      else if (name === 'li') {
        if (!closing) {
          inLi++;
          synth('\n- ');
        } else inLi--;
      } else if (name === 'code') synth('`');
      else if (name === 'br') synth('\n');
      else if (name === 'tr') {
        if (!closing) {
          cells = 0;
          synth('\n|');
        } else {
          if (rowIndex === 0) synth(`\n|${' --- |'.repeat(Math.max(1, cells))}`);
          rowIndex++;
        }
      } else if (name === 'th' || name === 'td') {
        if (!closing) {
          cells++;
          synth(' ');
        } else synth(' |');
      } else if (name === 'table' && !closing) {
        rowIndex = 0;
        synth('\n\n');
      } else if (BLOCK_BREAK.has(name) && !(name === 'p' && inLi > 0)) synth('\n\n');
      i = end + 1;
      continue;
    }
    if (body[i] === '&') {
      const m = /^&(#x[0-9a-f]+|#\d+|[a-z]+);/i.exec(body.slice(i, i + 12));
      if (m) {
        const e = m[1]!;
        const ch = e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (ENTITIES[e.toLowerCase()] ?? m[0]);
        out.push(ch);
        map.push(-1); // an entity is several body characters: an edit through it is not mapped
        i += m[0].length;
        continue;
      }
    }
    out.push(body[i]!);
    map.push(i);
    i++;
  }
  return { text: out.join(''), map: Int32Array.from(map) };
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
