// JSON bytes to text that JSON.parse reads faster. A spec with a single character beyond
// Latin-1 (GitHub's has a few dashes, quotes and emoji) decodes to a two-byte string: twice
// the memory, slower to decode, parse and scan. In valid JSON such characters can only stand
// inside strings, where `\uXXXX` means the same, so the bytes are decoded as ASCII with each
// of them written as an escape: JSON.parse gives the very same values. Positions stay right:
// escapes hold no line breaks, and the columns after one on its line are shifted back
// (CompactText.escapes, used by LineIndex).
//
// Anything this cannot vouch for returns undefined and the caller decodes the bytes as UTF-8
// as before: invalid UTF-8 (whose replacement characters the decoder decides), and a
// character right after a backslash (`"\é"` is not JSON; `"\\u00e9"` would be).
import { isAscii } from 'node:buffer';

/** Escapes in the text: where each starts, and how many characters longer the text is up to its end. */
export interface Escapes {
  readonly starts: readonly number[];
  readonly extra: readonly number[];
}

export interface CompactText {
  readonly text: string;
  readonly escapes: Escapes;
}

const BACKSLASH = 0x5c;

export function compactJsonText(bytes: Uint8Array): CompactText | undefined {
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const runs = nonAsciiRuns(source);
  const starts: number[] = [];
  if (runs.length === 0) return { text: source.toString('latin1'), escapes: { starts, extra: [] } };
  // Escapes are written into a copy of the bytes, which is then read as Latin-1 (here ASCII):
  // one flat one-byte string, no pieces to join.
  const escapes: Array<{ at: number; end: number; text: string }> = [];
  let added = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const runStart = runs[r]!;
    const runEnd = runs[r + 1]!;
    let backslashes = 0;
    while (bytes[runStart - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 1) return undefined;
    for (let at = runStart; at < runEnd; ) {
      const decoded = decodeSequence(bytes, at, runEnd);
      if (!decoded) return undefined;
      const text = escape(decoded.codePoint);
      escapes.push({ at, end: at + decoded.size, text });
      starts.push(at + added);
      added += text.length - decoded.size;
      at += decoded.size;
    }
  }
  const target = Buffer.allocUnsafe(bytes.length + added);
  let from = 0;
  let to = 0;
  for (const { at, end, text } of escapes) {
    to += source.copy(target, to, from, at);
    to += target.write(text, to, 'latin1');
    from = end;
  }
  source.copy(target, to, from);
  return { text: target.toString('latin1'), escapes: { starts, extra: cumulativeExtra(escapes) } };
}

/** Characters each escape adds over the UTF-16 units it stands for, summed up to it. */
function cumulativeExtra(escapes: ReadonlyArray<{ text: string }>): number[] {
  const sums: number[] = [];
  let sum = 0;
  for (const { text } of escapes) {
    sum += text.length - (text.length === 12 ? 2 : 1);
    sums.push(sum);
  }
  return sums;
}

/** [start, end) pairs of the runs of non-ASCII bytes, found by halving with the native isAscii. */
function nonAsciiRuns(bytes: Buffer): number[] {
  const positions: number[] = [];
  const visit = (from: number, to: number): void => {
    if (to - from <= 64) {
      for (let i = from; i < to; i++) if (bytes[i]! >= 0x80) positions.push(i);
      return;
    }
    if (isAscii(bytes.subarray(from, to))) return;
    const middle = (from + to) >> 1;
    visit(from, middle);
    visit(middle, to);
  };
  visit(0, bytes.length);
  const runs: number[] = [];
  for (const position of positions) {
    if (runs.length > 0 && runs[runs.length - 1] === position) runs[runs.length - 1] = position + 1;
    else runs.push(position, position + 1);
  }
  return runs;
}

/** One UTF-8 sequence of non-ASCII bytes within [at, end); undefined when it is not valid UTF-8. */
function decodeSequence(bytes: Uint8Array, at: number, end: number): { codePoint: number; size: number } | undefined {
  const first = bytes[at]!;
  const size = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 0;
  if (size === 0 || first >= 0xf5 || at + size > end) return undefined;
  let codePoint = first & (0xff >> (size + 1));
  for (let i = 1; i < size; i++) {
    const next = bytes[at + i]!;
    if ((next & 0xc0) !== 0x80) return undefined;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  const smallest = size === 2 ? 0x80 : size === 3 ? 0x800 : 0x10000;
  if (codePoint < smallest || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
  return { codePoint, size };
}

function escape(codePoint: number): string {
  if (codePoint <= 0xffff) return unit(codePoint);
  const offset = codePoint - 0x10000;
  return unit(0xd800 + (offset >> 10)) + unit(0xdc00 + (offset & 0x3ff));
}

function unit(code: number): string {
  return '\\u' + code.toString(16).padStart(4, '0');
}
