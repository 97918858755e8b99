// Source positions for spec elements, addressed by JSON-pointer segments.
//
// JSON is parsed with the native JSON.parse (fast, small) and positions are found lazily:
// only the containers on the way to a reported element are scanned, and each scanned
// container remembers where its members start. A diff reports few changes, so we never
// pay for a full position index of a 13 MB document.
// YAML keeps the yaml package's Document nodes, whose ranges give positions directly.
import type { Document, Node as YamlNode, Pair, YAMLMap } from 'yaml';
import type { Escapes } from './compact-json.js';
import { yamlPackage } from './yaml-lib.js';

/** Finds the character offset of the deepest element that exists on the pointer path. */
export interface OffsetLocator {
  offsetOf(pointer: readonly string[]): number;
}

/** Converts character offsets into 1-based line and column. */
export class LineIndex {
  private lineStarts: Uint32Array | undefined;

  /** `escapes`: the text is compact JSON (compact-json.ts); columns count the characters as written. */
  constructor(
    private readonly text: string,
    private readonly escapes?: Escapes,
  ) {}

  position(offset: number): { line: number; column: number } {
    const starts = this.starts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    const lineStart = starts[low] ?? 0;
    const shift = this.escapes ? extraBefore(this.escapes, offset) - extraBefore(this.escapes, lineStart) : 0;
    return { line: low + 1, column: offset - lineStart - shift + 1 };
  }

  /**
   * Offsets where each line starts. Counted first, then filled into a typed array: pushing
   * 350,000 numbers onto a growing array cost four times the two indexOf passes.
   */
  private starts(): Uint32Array {
    if (this.lineStarts) return this.lineStarts;
    const text = this.text;
    let lines = 1;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
    const starts = new Uint32Array(lines);
    let line = 1;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts[line++] = at + 1;
    this.lineStarts = starts;
    return starts;
  }
}

/** How many characters the escapes that start before `offset` added. */
function extraBefore(escapes: Escapes, offset: number): number {
  let low = 0;
  let high = escapes.starts.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (escapes.starts[middle]! < offset) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? 0 : escapes.extra[low - 1]!;
}

interface MemberOffsets { keyStart: number; valueStart: number }

const QUOTE = 34, BACKSLASH = 92, OPEN_BRACE = 123, CLOSE_BRACE = 125, OPEN_BRACKET = 91, CLOSE_BRACKET = 93, COMMA = 44, COLON = 58;

function isJsonSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

/** Lazy position finder over JSON text that JSON.parse has already accepted. */
export class JsonOffsetLocator implements OffsetLocator {
  /** Members of each container scanned so far, keyed by the container's start offset. */
  private readonly scanned = new Map<number, Map<string, MemberOffsets>>();

  constructor(private readonly text: string) {}

  offsetOf(pointer: readonly string[]): number {
    let valueStart = this.skipSpace(0);
    let found = valueStart;
    for (const key of pointer) {
      const member = this.membersOf(valueStart)?.get(key);
      if (!member) break;
      found = member.keyStart;
      valueStart = member.valueStart;
    }
    return found;
  }

  private membersOf(start: number): Map<string, MemberOffsets> | undefined {
    const cached = this.scanned.get(start);
    if (cached) return cached;
    const code = this.text.charCodeAt(start);
    if (code !== OPEN_BRACE && code !== OPEN_BRACKET) return undefined;
    this.scanContainer(start, true);
    return this.scanned.get(start);
  }

  /**
   * Records the members of the container that opens at `start` and returns the offset just
   * past it. With `deep`, the containers directly inside it are scanned the same way (not
   * just skipped): a pointer that goes on into one of them then finds its members already
   * recorded, instead of walking its text a second time (on GitHub's description, a pointer
   * into /paths or /components/schemas otherwise costs one more pass over half the file).
   */
  private scanContainer(start: number, deep: boolean): number {
    const text = this.text;
    const isObject = text.charCodeAt(start) === OPEN_BRACE;
    const close = isObject ? CLOSE_BRACE : CLOSE_BRACKET;
    const members = new Map<string, MemberOffsets>();
    let at = this.skipSpace(start + 1);
    let index = 0;
    while (at < text.length) {
      const code = text.charCodeAt(at);
      if (code === close) {
        at++;
        break;
      }
      const keyStart = at;
      let key: string;
      if (isObject) {
        if (code !== QUOTE) break;
        const keyEnd = this.skipString(at);
        const raw = text.slice(at + 1, keyEnd - 1);
        key = raw.includes('\\') ? (JSON.parse(text.slice(at, keyEnd)) as string) : raw;
        at = this.skipSpace(keyEnd);
        if (text.charCodeAt(at) === COLON) at = this.skipSpace(at + 1);
      } else {
        key = String(index++);
      }
      // JSON.parse keeps the last of duplicate keys; so does this map.
      members.set(key, { keyStart, valueStart: at });
      const value = text.charCodeAt(at);
      const nested = deep && (value === OPEN_BRACE || value === OPEN_BRACKET) && !this.scanned.has(at);
      const end = nested ? this.scanContainer(at, false) : this.skipValue(at);
      if (end === keyStart) break; // not JSON after all (a stray bracket): stop rather than spin
      at = this.skipSpace(end);
      if (text.charCodeAt(at) === COMMA) at = this.skipSpace(at + 1);
    }
    if (!this.scanned.has(start)) this.scanned.set(start, members);
    return at;
  }

  private skipSpace(at: number): number {
    while (at < this.text.length && isJsonSpace(this.text.charCodeAt(at))) at++;
    return at;
  }

  /**
   * Offset just past the string that opens at `at`. Jumps between quotes with indexOf
   * (native) since most of a spec's text is inside strings; a quote preceded by an odd
   * number of backslashes is escaped.
   */
  private skipString(at: number): number {
    let from = at + 1;
    for (;;) {
      const quote = this.text.indexOf('"', from);
      if (quote === -1) return this.text.length;
      let backslashes = 0;
      while (this.text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return quote + 1;
      from = quote + 1;
    }
  }

  /** Offset just past the value that starts at `at`. */
  private skipValue(at: number): number {
    const first = this.text.charCodeAt(at);
    if (first === QUOTE) return this.skipString(at);
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      let i = at;
      while (i < this.text.length) {
        const code = this.text.charCodeAt(i);
        if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isJsonSpace(code)) break;
        i++;
      }
      return i;
    }
    let depth = 0;
    for (let i = at; i < this.text.length; i++) {
      const code = this.text.charCodeAt(i);
      if (code === QUOTE) i = this.skipString(i) - 1;
      else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return this.text.length;
  }
}

/** Position finder over a yaml Document, whose nodes carry their source ranges. */
export class YamlOffsetLocator implements OffsetLocator {
  /** Key -> pair of each mapping looked into so far: built once, so each step is one lookup. */
  private readonly indexed = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(private readonly document: Document) {}

  offsetOf(pointer: readonly string[]): number {
    let node = this.unalias(this.document.contents);
    let found = node?.range?.[0] ?? 0;
    for (const key of pointer) {
      const step = this.step(node, key);
      if (!step) break;
      found = step.offset;
      node = this.unalias(step.node);
    }
    return found;
  }

  private pairsOf(map: YAMLMap): Map<string, Pair> {
    let index = this.indexed.get(map);
    if (!index) {
      const { isScalar } = yamlPackage();
      index = new Map();
      for (const pair of map.items) {
        // The first of duplicate keys: the parser refuses duplicates, so this only matters for merge keys.
        if (isScalar(pair.key) && typeof pair.key.value !== 'symbol') {
          const key = String(pair.key.value);
          if (!index.has(key)) index.set(key, pair);
        }
      }
      this.indexed.set(map, index);
    }
    return index;
  }

  private step(node: YamlNode | null | undefined, key: string, depth = 0): { offset: number; node: YamlNode | null } | undefined {
    const { isMap, isScalar, isSeq } = yamlPackage();
    if (isMap(node)) {
      const pair = this.pairsOf(node).get(key);
      if (pair) return { offset: (pair.key as YamlNode | null)?.range?.[0] ?? 0, node: (pair.value as YamlNode | null) ?? null };
      // Not written here: it may come in through a merge key (`<<: *common` or `<<: [*a, *b]`), where it is written.
      if (depth > 16) return undefined;
      for (const pair of node.items) {
        if (!isScalar(pair.key) || typeof pair.key.value !== 'symbol') continue;
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const source of sources) {
          const found = this.step(this.unalias(source), key, depth + 1);
          if (found) return found;
        }
      }
      return undefined;
    }
    if (isSeq(node)) {
      const item = node.items[Number(key)] as YamlNode | undefined;
      if (item === undefined || !/^\d+$/.test(key)) return undefined;
      return { offset: item.range?.[0] ?? 0, node: item };
    }
    return undefined;
  }

  private unalias(node: unknown): YamlNode | null | undefined {
    if (yamlPackage().isAlias(node)) return node.resolve(this.document) as YamlNode | undefined;
    return node as YamlNode | null | undefined;
  }
}

/**
 * Position finder over the values of the fast YAML reader: each container's members were
 * recorded as [key, offset, ...] in source order; a container's lookup map is built the
 * first time a pointer passes through it.
 */
export class FastYamlOffsetLocator implements OffsetLocator {
  private readonly indexed = new Map<object, Map<string, number>>();

  constructor(
    private readonly root: unknown,
    private readonly members: ReadonlyMap<object, ReadonlyArray<string | number>>,
  ) {}

  offsetOf(pointer: readonly string[]): number {
    let node = this.root;
    let found = this.firstOffset(node);
    for (const key of pointer) {
      if (node === null || typeof node !== 'object') break;
      const offset = this.indexOf(node).get(key);
      if (offset === undefined) break;
      found = offset;
      node = (node as Record<string, unknown>)[key];
    }
    return found;
  }

  private firstOffset(node: unknown): number {
    if (node === null || typeof node !== 'object') return 0;
    const first = this.members.get(node)?.[1];
    return typeof first === 'number' ? first : 0;
  }

  private indexOf(node: object): Map<string, number> {
    let index = this.indexed.get(node);
    if (!index) {
      index = new Map();
      const flat = this.members.get(node) ?? [];
      for (let i = 0; i + 1 < flat.length; i += 2) index.set(String(flat[i]), flat[i + 1] as number);
      this.indexed.set(node, index);
    }
    return index;
  }
}
