// A fast reader for the YAML that specs are written in: block mappings and sequences,
// plain, quoted and block scalars, comments, and flow collections. It builds plain values
// directly from the text (no token or node objects: the yaml package spends 8x JSON.parse
// on a 500 KB spec, most of it in allocation) and records only where each key and item
// starts, so positions cost one number per member.
//
// Anything it does not fully understand — anchors, aliases, tags, merge keys, explicit
// keys, directives, several documents, tabs in indentation, CRLF, odd indicators, and every
// error — makes it give up (return undefined), and the caller parses the text with the
// yaml package instead, which is exact and reports errors with positions. So this reader
// may be incomplete, never different: tests compare it with the yaml package.
import { yamlPackage } from './yaml-lib.js';

/** Key (or item index) -> offset of each mapping key / sequence item, per container. */
export type MemberOffsets = Map<object, Array<string | number>>;

export interface FastYaml {
  root: unknown;
  /** [key0, offset0, key1, offset1, ...] per container, in source order. */
  members: MemberOffsets;
}

export interface FastYamlLimits { maxKeysPerMapping: number; maxNodes: number }

/** Thrown when a bound is exceeded: the caller turns it into a located error. */
export class FastYamlLimit extends Error {
  constructor(readonly kind: 'keys' | 'nodes', readonly offset: number) {
    super(kind);
  }
}

/**
 * Thrown at the first duplicate key in document order: an error either way, so reported
 * here rather than paying for the yaml package (which would find the same key, compared
 * as the same string).
 */
export class FastYamlDuplicate extends Error {
  constructor(readonly key: string, readonly offset: number) {
    super(`duplicate key "${key}"`);
  }
}

class GiveUp extends Error {}
const GIVE_UP = new GiveUp('unsupported');

type PlainTag = { test: RegExp; resolve: (value: string, onError: (message: string) => void, options: object) => unknown };
let plainTags: PlainTag[] | undefined;

/** The tags the yaml package tries on a plain scalar (YAML 1.2 core schema), in its order. */
function plainTagsOf(): PlainTag[] {
  return (plainTags ??= new (yamlPackage().Schema)({}).tags.filter(
    (tag): tag is typeof tag & PlainTag => tag.default === true && 'test' in tag && tag.test instanceof RegExp,
  ));
}
const MAYBE_NOT_STRING = /^[-+.~0-9nNtTfF]|^$/;

function resolvePlain(value: string): unknown {
  if (!MAYBE_NOT_STRING.test(value)) return value;
  for (const tag of plainTagsOf()) {
    if (tag.test.test(value)) {
      let failed = false;
      let result = tag.resolve(value, () => (failed = true), {});
      if (yamlPackage().isScalar(result)) result = result.value; // floats come back as a node (with their digits)
      if (failed || (result !== null && typeof result === 'object')) throw GIVE_UP;
      return result;
    }
  }
  return value;
}

type Chomp = 'clip' | 'strip' | 'keep';

/**
 * A folded block scalar's lines (no trailing empty ones) joined: breaks between two text lines
 * fold to a space (n+1 breaks to n newlines); breaks next to a more-indented line (one starting
 * with a space) are kept as they are.
 */
function foldBlockLines(body: readonly string[]): string {
  let content = '';
  let previousSpaced: boolean | undefined;
  let pendingEmpty = 0;
  for (const line of body) {
    if (line === '') { pendingEmpty++; continue; }
    const spaced = line.charCodeAt(0) === 32 /* space */;
    if (previousSpaced === undefined) content = '\n'.repeat(pendingEmpty) + line;
    else if (!previousSpaced && !spaced) content += (pendingEmpty > 0 ? '\n'.repeat(pendingEmpty) : ' ') + line;
    else content += '\n'.repeat(pendingEmpty + 1) + line;
    previousSpaced = spaced;
    pendingEmpty = 0;
  }
  return content;
}

const SPACE = 32, NEWLINE = 10, HASH = 35, COLON = 58, DASH = 45, QUOTE = 34, APOSTROPHE = 39;
const OPEN_BRACKET = 91, CLOSE_BRACKET = 93, OPEN_BRACE = 123, CLOSE_BRACE = 125, COMMA = 44;
/** Characters that may not start a plain scalar here (YAML c-indicator), except `-` before a non-space. */
const INDICATOR_START = new Set([...'-?:,[]{}#&*!|>\'"%@`'].map((c) => c.charCodeAt(0)));

export function parseFastYaml(text: string, limits: FastYamlLimits): FastYaml | undefined {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    return new Reader(text, limits).document();
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  }
}

class Reader {
  private pos = 0;
  private nodes = 0;
  /** Where the last block node found by blockNode starts (for sequence item positions). */
  private blockStart = 0;
  readonly members: MemberOffsets = new Map();

  constructor(private readonly text: string, private readonly limits: FastYamlLimits) {}

  document(): FastYaml {
    this.skipBlankLines();
    if (this.text.startsWith('---', this.pos) && this.isSpaceOrEnd(this.pos + 3)) {
      this.pos += 3;
      this.skipSpaces();
      if (!this.atLineEnd()) throw GIVE_UP; // `--- value` or `--- !tag`
      this.skipBlankLines();
    }
    if (this.pos >= this.text.length) throw GIVE_UP; // empty document: let the library decide
    if (this.lineIndent() !== 0) throw GIVE_UP;
    const root = this.blockNode(-1, 0);
    this.skipBlankLines();
    if (this.pos < this.text.length) throw GIVE_UP; // `...`, `---`, or anything left over
    return { root, members: this.members };
  }

  // ---- lines ---------------------------------------------------------------------------

  private isSpaceOrEnd(at: number): boolean {
    const code = this.text.charCodeAt(at);
    return at >= this.text.length || code === SPACE || code === NEWLINE;
  }

  private skipSpaces(): void {
    while (this.text.charCodeAt(this.pos) === SPACE) this.pos++;
  }

  /** At a line end, optionally after a comment (which is skipped up to the newline). */
  private atLineEnd(): boolean {
    if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) === NEWLINE) return true;
    if (this.text.charCodeAt(this.pos) === HASH && (this.pos === 0 || this.text.charCodeAt(this.pos - 1) === SPACE || this.text.charCodeAt(this.pos - 1) === NEWLINE)) {
      const end = this.text.indexOf('\n', this.pos);
      this.pos = end === -1 ? this.text.length : end;
      return true;
    }
    return false;
  }

  /** Moves to the start of the next line that has content (not blank, not only a comment). */
  private skipBlankLines(): void {
    for (;;) {
      if (this.pos >= this.text.length) return;
      const lineStart = this.pos;
      this.skipSpaces();
      if (this.atLineEnd()) {
        if (this.pos >= this.text.length) return;
        this.pos++; // the newline
        continue;
      }
      this.pos = lineStart;
      return;
    }
  }

  /** Indentation of the line starting at pos (pos at a line start). */
  private lineIndent(): number {
    let at = this.pos;
    while (this.text.charCodeAt(at) === SPACE) at++;
    return at - this.pos;
  }

  private count(offset: number): void {
    if (++this.nodes > this.limits.maxNodes) throw new FastYamlLimit('nodes', offset);
  }

  // ---- block structure -------------------------------------------------------------------

  /**
   * The node on the content line at pos (a line start, indentation `indent` > parent).
   * A block sequence or mapping, or a flow collection / scalar alone on the line.
   */
  private blockNode(parentIndent: number, indent: number): unknown {
    const at = this.pos + indent;
    this.blockStart = at;
    const code = this.text.charCodeAt(at);
    if (code === DASH && this.isSpaceOrEnd(at + 1)) return this.sequence(indent);
    this.pos = at;
    if (this.isKeyAhead()) return this.mapping(indent, at);
    if (parentIndent < 0 || code === 124 /* | */ || code === 62 /* > */) throw GIVE_UP;
    // A scalar or flow collection on its own line under `key:` (long values are written so).
    return this.inlineValue(parentIndent);
  }

  /** A block sequence whose dashes are at column `indent`; pos at the start of its first line. */
  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    const offsets: Array<string | number> = [];
    this.members.set(items, offsets);
    this.count(this.pos + indent);
    for (;;) {
      const dash = this.pos + indent;
      offsets.push(items.length, dash);
      this.pos = dash + 1;
      this.skipSpaces();
      let itemStart = this.pos;
      let value: unknown;
      if (this.atLineEnd()) {
        this.blockStart = dash + 1; // an empty item: the package places its null just after the dash
        value = this.valueBelow(indent, true);
        itemStart = value === null ? dash + 1 : this.blockStart;
      } else if (this.text.charCodeAt(this.pos) === DASH && this.isSpaceOrEnd(this.pos + 1)) {
        throw GIVE_UP; // `- - x`
      } else if (this.isKeyAhead()) {
        const column = this.pos - this.lineStartOf(this.pos);
        value = this.mapping(column, this.pos);
      } else {
        value = this.inlineValue(indent);
      }
      offsets[offsets.length - 1] = itemStart;
      items.push(value);
      this.skipBlankLines();
      if (this.pos >= this.text.length) return items;
      const next = this.lineIndent();
      if (next < indent) return items;
      if (next > indent) throw GIVE_UP;
      const at = this.pos + next;
      if (!(this.text.charCodeAt(at) === DASH && this.isSpaceOrEnd(at + 1))) {
        return items; // a sibling key of the mapping that holds this sequence at the same indent
      }
    }
  }

  private lineStartOf(at: number): number {
    return this.text.lastIndexOf('\n', at - 1) + 1;
  }

  /**
   * A block mapping whose keys are at column `indent`; pos at its first key (`first`).
   */
  private mapping(indent: number, first: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    const offsets: Array<string | number> = [];
    this.members.set(map, offsets);
    this.count(first);
    let keys = 0;
    this.pos = first;
    for (;;) {
      const keyStart = this.pos;
      const key = this.key();
      if (key === '__proto__' || key === '<<') throw GIVE_UP;
      if (Object.prototype.hasOwnProperty.call(map, key)) throw new FastYamlDuplicate(key, keyStart);
      if (++keys > this.limits.maxKeysPerMapping) throw new FastYamlLimit('keys', keyStart);
      offsets.push(key, keyStart);
      this.count(keyStart);
      // pos is just past the ':'
      this.skipSpaces();
      map[key] = this.atLineEnd() ? this.valueBelow(indent, false) : this.inlineValue(indent);
      this.skipBlankLines();
      if (this.pos >= this.text.length) return map;
      const next = this.lineIndent();
      if (next < indent) return map;
      if (next > indent) throw GIVE_UP; // a continuation we did not take: let the library judge it
      this.pos += next;
      if (this.text.charCodeAt(this.pos) === DASH && this.isSpaceOrEnd(this.pos + 1)) throw GIVE_UP;
      if (!this.isKeyAhead()) throw GIVE_UP;
    }
  }

  /** The value of `key:` or `-` with nothing after it on the line: a block node below, or null. */
  private valueBelow(indent: number, inSequence: boolean): unknown {
    const lineEnd = this.pos;
    this.skipBlankLines();
    if (this.pos >= this.text.length) return this.nullAt(lineEnd);
    const next = this.lineIndent();
    if (next > indent) return this.blockNode(indent, next);
    const at = this.pos + next;
    // A sequence may sit at the same indentation as the key that holds it (not inside a sequence).
    if (!inSequence && next === indent && this.text.charCodeAt(at) === DASH && this.isSpaceOrEnd(at + 1)) {
      this.blockStart = at;
      return this.sequence(indent);
    }
    return this.nullAt(lineEnd);
  }

  private nullAt(offset: number): null {
    this.count(offset);
    return null;
  }

  /** Whether a `key:` starts at pos (a plain or quoted single-line key followed by ': ' or ':' at the line end). */
  private isKeyAhead(): boolean {
    const save = this.pos;
    try {
      this.key();
      return true;
    } catch (error) {
      if (error instanceof GiveUp) return false;
      throw error;
    } finally {
      this.pos = save;
    }
  }

  /** Reads `key:` at pos; leaves pos after the colon. */
  private key(): string {
    const code = this.text.charCodeAt(this.pos);
    let key: string;
    if (code === QUOTE || code === APOSTROPHE) {
      const start = this.pos;
      const value = code === QUOTE ? this.doubleQuoted(Infinity) : this.singleQuoted(Infinity);
      if (this.text.slice(start, this.pos).includes('\n')) throw GIVE_UP;
      key = value;
      this.skipSpaces();
      if (this.text.charCodeAt(this.pos) !== COLON || !this.isSpaceOrEnd(this.pos + 1)) throw GIVE_UP;
    } else {
      if (!this.canStartPlain(this.pos)) throw GIVE_UP;
      const start = this.pos;
      let at = this.pos;
      for (;;) {
        const c = this.text.charCodeAt(at);
        if (at >= this.text.length || c === NEWLINE) throw GIVE_UP;
        if (c === COLON && this.isSpaceOrEnd(at + 1)) break;
        if (c === HASH && this.text.charCodeAt(at - 1) === SPACE) throw GIVE_UP;
        at++;
      }
      const raw = this.text.slice(start, at).trimEnd();
      const resolved = resolvePlain(raw);
      if (resolved === null) throw GIVE_UP;
      key = String(resolved);
      this.pos = at;
    }
    this.pos++; // ':'
    return key;
  }

  private canStartPlain(at: number): boolean {
    const code = this.text.charCodeAt(at);
    if (!INDICATOR_START.has(code)) return at < this.text.length && code !== NEWLINE && code !== SPACE;
    return code === DASH && !this.isSpaceOrEnd(at + 1);
  }

  // ---- values on the line ----------------------------------------------------------------

  /** A value after `key: ` or `- ` on the same line. Continuation lines must be indented more than `indent`. */
  private inlineValue(indent: number): unknown {
    const start = this.pos;
    const code = this.text.charCodeAt(this.pos);
    this.count(start);
    let value: unknown;
    if (code === QUOTE) value = this.doubleQuoted(indent);
    else if (code === APOSTROPHE) value = this.singleQuoted(indent);
    else if (code === OPEN_BRACKET || code === OPEN_BRACE) value = this.flow(indent);
    else if (code === 124 /* | */ || code === 62 /* > */) return this.blockScalar(indent);
    else if (this.canStartPlain(this.pos)) return this.plainMultiLine(indent);
    else throw GIVE_UP; // anchors, aliases, tags, `? `, `: `, reserved indicators
    this.skipSpaces();
    if (!this.atLineEnd()) throw GIVE_UP;
    return value;
  }

  /** A plain scalar in block context, possibly folded over more-indented lines. */
  private plainMultiLine(indent: number): unknown {
    const first = this.plainLine(true);
    let folded = first;
    let multi = false;
    for (;;) {
      // pos is at the end of a line (newline or EOF), after any trailing spaces. A comment ends the scalar.
      if (this.pos >= this.text.length || this.lineHadComment) break;
      let look = this.pos + 1;
      let emptyLines = 0;
      let lineStart = look;
      for (;;) {
        let at = lineStart;
        while (this.text.charCodeAt(at) === SPACE) at++;
        if (at < this.text.length && this.text.charCodeAt(at) === NEWLINE) {
          emptyLines++;
          lineStart = at + 1;
          continue;
        }
        look = at;
        break;
      }
      const column = look - lineStart;
      if (look >= this.text.length || column <= indent || this.text.charCodeAt(look) === HASH) break;
      this.pos = look;
      const part = this.plainLine(false);
      folded += emptyLines > 0 ? '\n'.repeat(emptyLines) + part : ' ' + part;
      multi = true;
    }
    return multi ? folded : resolvePlain(first);
  }

  /** One line of a plain scalar from pos: up to ' #' or the line end. Gives up at ': '. */
  private lineHadComment = false;

  private plainLine(first: boolean): string {
    this.lineHadComment = false;
    const start = this.pos;
    let at = this.pos;
    let end = at;
    for (;;) {
      const c = this.text.charCodeAt(at);
      if (at >= this.text.length || c === NEWLINE) break;
      if (c === COLON && this.isSpaceOrEnd(at + 1)) throw GIVE_UP;
      if (c === HASH && this.text.charCodeAt(at - 1) === SPACE) {
        if (!first) throw GIVE_UP;
        this.lineHadComment = true;
        break;
      }
      at++;
      if (c !== SPACE) end = at;
    }
    // A continuation line may start with most indicators (it is text by then), not with ': '.
    if (!first && this.text.charCodeAt(start) === COLON && this.isSpaceOrEnd(start + 1)) throw GIVE_UP;
    const value = this.text.slice(start, end);
    this.pos = at;
    if (!this.atLineEnd()) throw GIVE_UP;
    return value;
  }

  /** `|` or `>` with optional chomping (no explicit indentation), content below. */
  private blockScalar(indent: number): string {
    const { folded, chomp } = this.blockScalarHeader();
    const lines = this.blockScalarLines(indent);
    // pos is at the start of the first line after the block (or at the end): the caller skips blank lines from there.
    // Trailing empty lines are chomping's business.
    let last = lines.length;
    while (last > 0 && lines[last - 1] === '') last--;
    const body = lines.slice(0, last);
    if (body.length === 0) {
      if (chomp === 'keep') throw GIVE_UP;
      return '';
    }
    const content = folded ? foldBlockLines(body) : body.join('\n');
    // A clipped scalar ends with one line break, even at the end of a file without one (as the yaml package reads it).
    if (chomp === 'strip') return content;
    if (chomp === 'clip') return content + '\n';
    throw GIVE_UP; // keep: trailing lines and the end of file interact; leave it to the library
  }

  /** The header from pos (at `|` or `>`) to past its newline: literal or folded, and the chomping indicator. */
  private blockScalarHeader(): { folded: boolean; chomp: Chomp } {
    const folded = this.text.charCodeAt(this.pos) === 62;
    this.pos++;
    let chomp: Chomp = 'clip';
    const c = this.text.charCodeAt(this.pos);
    if (c === DASH) { chomp = 'strip'; this.pos++; }
    else if (c === 43 /* + */) { chomp = 'keep'; this.pos++; }
    if (!this.isSpaceOrEnd(this.pos)) throw GIVE_UP; // indentation indicators and the rest
    this.skipSpaces();
    if (!this.atLineEnd()) throw GIVE_UP;
    if (this.pos >= this.text.length) throw GIVE_UP;
    this.pos++; // past the newline of the header
    return { folded, chomp };
  }

  /**
   * The content lines of a block scalar from pos, with its indentation (detected from the first
   * non-empty line) removed; empty lines as ''. Ends before the first line indented less.
   */
  private blockScalarLines(indent: number): string[] {
    const lines: string[] = [];
    let contentIndent = -1;
    let maxLeadingEmpty = 0;
    while (this.pos < this.text.length) {
      const lineEndAt = this.text.indexOf('\n', this.pos);
      const lineEnd = lineEndAt === -1 ? this.text.length : lineEndAt;
      let at = this.pos;
      while (this.text.charCodeAt(at) === SPACE) at++;
      const spaces = at - this.pos;
      if (at === lineEnd) {
        // an empty (or spaces-only) line
        if (contentIndent === -1) maxLeadingEmpty = Math.max(maxLeadingEmpty, spaces);
        lines.push(contentIndent === -1 || spaces <= contentIndent ? '' : this.text.slice(this.pos + contentIndent, lineEnd));
      } else {
        if (contentIndent === -1) {
          if (spaces <= indent) break;
          if (maxLeadingEmpty > spaces) throw GIVE_UP;
          contentIndent = spaces;
        } else if (spaces < contentIndent) break;
        lines.push(this.text.slice(this.pos + contentIndent, lineEnd));
      }
      this.pos = lineEndAt === -1 ? this.text.length : lineEnd + 1;
    }
    return lines;
  }

  // ---- quoted scalars ----------------------------------------------------------------------

  /** The raw text between quotes from pos (at the opening quote); pos moves past the closing one. */
  private quotedRaw(quote: number, indent: number): string {
    const start = this.pos + 1;
    let at = start;
    for (;;) {
      const c = this.text.charCodeAt(at);
      if (at >= this.text.length) throw GIVE_UP;
      if (c === quote) {
        if (quote === APOSTROPHE && this.text.charCodeAt(at + 1) === APOSTROPHE) { at += 2; continue; }
        break;
      }
      if (c === 92 /* \ */ && quote === QUOTE && this.text.charCodeAt(at + 1) !== NEWLINE) { at += 2; continue; }
      if (c === NEWLINE) {
        // A continuation line must be indented more than the parent, and may not look like a document marker.
        let s = at + 1;
        while (this.text.charCodeAt(s) === SPACE) s++;
        if (s < this.text.length && this.text.charCodeAt(s) !== NEWLINE && s - (at + 1) <= indent) throw GIVE_UP;
      }
      at++;
    }
    this.pos = at + 1;
    return this.text.slice(start, at);
  }

  private singleQuoted(indent: number): string {
    const raw = this.quotedRaw(APOSTROPHE, indent);
    const folded = raw.includes('\n') ? foldQuotedLines(raw, false) : raw;
    return folded.replace(/''/g, "'");
  }

  private doubleQuoted(indent: number): string {
    const raw = this.quotedRaw(QUOTE, indent);
    const folded = raw.includes('\n') ? foldQuotedLines(raw, true) : raw;
    return folded.includes('\\') ? unescapeDouble(folded) : folded;
  }

  // ---- flow collections --------------------------------------------------------------------

  private flow(indent: number): unknown {
    const open = this.text.charCodeAt(this.pos);
    const start = this.pos;
    this.pos++;
    const close = open === OPEN_BRACKET ? CLOSE_BRACKET : CLOSE_BRACE;
    const offsets: Array<string | number> = [];
    const container: unknown[] | Record<string, unknown> = open === OPEN_BRACKET ? [] : {};
    this.members.set(container, offsets);
    let keys = 0;
    for (;;) {
      this.flowSpace(indent);
      if (this.text.charCodeAt(this.pos) === close) { this.pos++; break; }
      const itemStart = this.pos;
      if (Array.isArray(container)) {
        offsets.push(container.length, itemStart);
        const value = this.flowScalarOrCollection(indent);
        this.flowSpace(indent);
        if (this.text.charCodeAt(this.pos) === COLON) throw GIVE_UP; // `[a: b]` single-pair mappings
        container.push(value);
      } else {
        const keyValue = this.flowScalarOrCollection(indent);
        if (keyValue === null || typeof keyValue === 'object') throw GIVE_UP;
        const key = String(keyValue);
        if (key === '__proto__' || key === '<<') throw GIVE_UP;
        if (Object.prototype.hasOwnProperty.call(container, key)) throw new FastYamlDuplicate(key, itemStart);
        if (++keys > this.limits.maxKeysPerMapping) throw new FastYamlLimit('keys', itemStart);
        this.flowSpace(indent);
        if (this.text.charCodeAt(this.pos) !== COLON) throw GIVE_UP; // `{a}` or `{a, b}`
        this.pos++;
        if (!this.isSpaceOrEnd(this.pos) && !isQuote(this.text.charCodeAt(itemStart))) throw GIVE_UP;
        offsets.push(key, itemStart);
        this.flowSpace(indent);
        const c = this.text.charCodeAt(this.pos);
        container[key] = c === COMMA || c === CLOSE_BRACE ? this.nullAt(this.pos) : this.flowScalarOrCollection(indent);
      }
      this.flowSpace(indent);
      const c = this.text.charCodeAt(this.pos);
      if (c === COMMA) { this.pos++; continue; }
      if (c === close) { this.pos++; break; }
      throw GIVE_UP;
    }
    this.count(start);
    return container;
  }

  /** Spaces, newlines and comments inside a flow collection; new lines must be indented more than `indent`. */
  private flowSpace(indent: number): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === SPACE) { this.pos++; continue; }
      if (c === HASH && this.text.charCodeAt(this.pos - 1) === SPACE) {
        const end = this.text.indexOf('\n', this.pos);
        if (end === -1) throw GIVE_UP;
        this.pos = end;
        continue;
      }
      if (c === NEWLINE) {
        this.pos++;
        const lineStart = this.pos;
        this.skipSpaces();
        if (this.pos < this.text.length && this.text.charCodeAt(this.pos) !== NEWLINE && this.pos - lineStart <= indent) throw GIVE_UP;
        continue;
      }
      if (this.pos >= this.text.length) throw GIVE_UP;
      return;
    }
  }

  private flowScalarOrCollection(indent: number): unknown {
    const c = this.text.charCodeAt(this.pos);
    const start = this.pos;
    if (c === OPEN_BRACKET || c === OPEN_BRACE) return this.flow(indent);
    this.count(start);
    if (c === QUOTE) return this.doubleQuoted(indent);
    if (c === APOSTROPHE) return this.singleQuoted(indent);
    if (!this.canStartPlain(this.pos)) throw GIVE_UP;
    let at = this.pos;
    let end = at;
    for (;;) {
      const d = this.text.charCodeAt(at);
      if (at >= this.text.length || d === NEWLINE) throw GIVE_UP; // multi-line plain in flow
      if (d === COMMA || d === CLOSE_BRACKET || d === CLOSE_BRACE || d === OPEN_BRACKET || d === OPEN_BRACE) break;
      if (d === COLON) {
        const next = this.text.charCodeAt(at + 1);
        if (next === SPACE || next === NEWLINE || next === COMMA || next === CLOSE_BRACKET || next === CLOSE_BRACE) break;
      }
      if (d === HASH && this.text.charCodeAt(at - 1) === SPACE) throw GIVE_UP;
      at++;
      if (d !== SPACE) end = at;
    }
    const c2 = this.text.charCodeAt(at);
    if (c2 === OPEN_BRACKET || c2 === OPEN_BRACE) throw GIVE_UP;
    this.pos = at;
    return resolvePlain(this.text.slice(start, end));
  }
}

function isQuote(code: number): boolean {
  return code === QUOTE || code === APOSTROPHE;
}

/**
 * Line folding of a multi-line quoted scalar: trailing spaces of a line and leading spaces
 * of the next are dropped; one line break becomes a space, n+1 breaks become n newlines.
 * In double quotes a line ending in an odd number of backslashes joins the next line as is.
 */
function foldQuotedLines(raw: string, double: boolean): string {
  const lines = raw.split('\n');
  let out = '';
  let pendingEmpty = 0;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const isFirst = i === 0;
    const isLast = i === lines.length - 1;
    if (!isFirst) line = line.replace(/^ +/, '');
    if (!isLast) {
      if (double && /\\ +$/.test(line)) throw GIVE_UP;
      line = line.replace(/ +$/, '');
    }
    if (!isFirst && !isLast && line === '') {
      pendingEmpty++;
      continue;
    }
    if (isFirst) out = line;
    else {
      const escapedBreak = double && endsWithOddBackslashes(out);
      if (escapedBreak) {
        if (pendingEmpty > 0) throw GIVE_UP;
        out = out.slice(0, -1) + line;
      } else {
        out += (pendingEmpty > 0 ? '\n'.repeat(pendingEmpty) : ' ') + line;
      }
    }
    pendingEmpty = 0;
  }
  return out;
}

function endsWithOddBackslashes(text: string): boolean {
  let n = 0;
  while (text.charCodeAt(text.length - 1 - n) === 92) n++;
  return n % 2 === 1;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\',
  N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};

function unescapeDouble(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') { out += c; continue; }
    const e = text[++i];
    if (e === undefined) throw GIVE_UP;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) { out += simple; continue; }
    const length = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (length === 0) throw GIVE_UP;
    const hex = text.slice(i + 1, i + 1 + length);
    if (hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) throw GIVE_UP;
    const point = parseInt(hex, 16);
    if (point > 0x10ffff) throw GIVE_UP;
    out += String.fromCodePoint(point);
    i += length;
  }
  return out;
}
