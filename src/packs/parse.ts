// YAML parsing with source positions. Every problem becomes a PackError located at a
// 1-based file:line:column, including schema (zod) issues, which are mapped back to the
// YAML node their path names.
import { LineCounter, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Pair, type YAMLMap } from 'yaml';
import type { ZodType, core } from 'zod';
import type { PackError } from './types.js';

/** A pack file (or services.yml) may not be larger than this. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Alias expansion budget: a YAML "billion laughs" bomb hits this instead of eating memory. */
export const MAX_ALIAS_COUNT = 100;
/**
 * Shape bounds of a pack file: a real pack has tens of keys per mapping and a few hundred
 * nodes; a hostile one is refused, with the limit named, before anything walks it twice.
 */
export const MAX_KEYS_PER_MAPPING = 10_000;
export const MAX_NODES = 200_000;

export type PathSegment = string | number;

export interface Position {
  line: number;
  column: number;
}

export interface ParsedYaml {
  file: string;
  /** The plain data (undefined when nothing could be read). Present even with errors, as far as it could be read. */
  data: unknown;
  /** Syntax-level errors: size, YAML syntax, duplicate keys, alias bomb. */
  errors: PackError[];
  /** The position of the node at `path`, or of its nearest existing ancestor. */
  locate(path: readonly PathSegment[], prefer?: 'key' | 'value'): Position;
}

export interface ParseOptions {
  /** The size of the file when it is known without its text (e.g. from a git tree). */
  size?: number;
}

export function parseYamlFile(file: string, text: string, options: ParseOptions = {}): ParsedYaml {
  const size = options.size ?? Buffer.byteLength(text, 'utf8');
  if (size > MAX_FILE_BYTES) return oversize(file, size);

  const lineCounter = new LineCounter();
  // The library's unique-key check is quadratic in the keys of a mapping (a 393 KB pack
  // blocked for a minute): duplicates are found by checkShape, with a set per mapping.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: false });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line, column: col };
  };
  const errors: PackError[] = doc.errors.map((e) => ({ file, ...at(e.pos[0]), message: `YAML: ${syntaxMessage(e.code, e.message)}` }));
  const shape = checkShape(doc);
  errors.push(...shape.problems.map((problem) => ({ file, ...at(problem.offset), message: `YAML: ${problem.message}` })));
  const data = shape.overLimit ? undefined : toData(doc, file, at, errors);
  return { file, data, errors, locate: locator(doc, at) };
}

function oversize(file: string, size: number): ParsedYaml {
  const message = `file is ${formatBytes(size)}, larger than the 1 MB limit for a policy-pack file (${MAX_FILE_BYTES} bytes)`;
  return { file, data: undefined, errors: [{ file, line: 1, column: 1, message }], locate: () => ({ line: 1, column: 1 }) };
}

function syntaxMessage(code: string, message: string): string {
  return code === 'MULTIPLE_DOCS' ? 'a pack file holds one YAML document; remove the extra "---" document' : message;
}

/** The plain data, with aliases expanded within MAX_ALIAS_COUNT; undefined (and an error) past it. */
function toData(doc: Document, file: string, at: (offset: number) => Position, errors: PackError[]): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const first = firstAlias(doc);
    const pos = first ? at(first) : { line: 1, column: 1 };
    const reason =
      err instanceof ReferenceError && /alias/i.test(err.message)
        ? `YAML: aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} per anchor); refusing a possible YAML bomb`
        : `YAML: ${err instanceof Error ? err.message : String(err)}`;
    errors.push({ file, ...pos, message: reason });
    return undefined;
  }
}

/** `locate` of a parsed document: key -> pair of each mapping looked into is built once, so locating many errors stays linear. */
function locator(doc: Document, at: (offset: number) => Position): ParsedYaml['locate'] {
  const indexed = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexed.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        const name = keyValue(pair.key);
        if (name !== undefined && !index.has(name)) index.set(name, pair);
      }
      indexed.set(map, index);
    }
    return index.get(key);
  };

  /** The node at `path` (not through aliases), or undefined. */
  const nodeAt = (path: readonly PathSegment[]): unknown => {
    let node: unknown = doc.contents;
    for (const seg of path) {
      if (isMap(node)) node = pairOf(node, String(seg))?.value;
      else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
      else return undefined;
    }
    return node;
  };

  /** Walk down as far as the path exists: the start of the deepest node found. */
  const deepest = (path: readonly PathSegment[]): number | undefined => {
    let node: unknown = doc.contents;
    let best: number | undefined = rangeStart(node);
    for (const seg of path) {
      if (isMap(node)) {
        const pair = pairOf(node, String(seg));
        if (!pair) break;
        best = rangeStart(pair.key) ?? best;
        node = pair.value;
        const valueStart = rangeStart(pair.value);
        if (valueStart !== undefined && !isEmptyScalar(pair.value)) best = valueStart;
      } else if (isSeq(node)) {
        const item = typeof seg === 'number' ? node.items[seg] : undefined;
        if (item === undefined) break;
        node = item;
        best = rangeStart(item) ?? best;
      } else break;
    }
    return best;
  };

  return (path, prefer = 'value') => {
    if (prefer === 'key' && path.length > 0) {
      const container = nodeAt(path.slice(0, -1));
      const pair = isMap(container) ? pairOf(container, String(path[path.length - 1])) : undefined;
      const ks = pair ? rangeStart(pair.key) : undefined;
      if (ks !== undefined) return at(ks);
    }
    const best = deepest(path);
    return best === undefined ? { line: 1, column: 1 } : at(best);
  };
}

interface ShapeCheck {
  problems: { offset: number; message: string }[];
  /** A bound was exceeded: the data is not built at all. */
  overLimit: boolean;
}

/**
 * Duplicate keys (a set per mapping: linear) and the shape bounds, in one pass over the
 * parsed nodes. Aliases are not followed; toJS bounds their expansion.
 */
function checkShape(doc: Document): ShapeCheck {
  const problems: ShapeCheck['problems'] = [];
  let nodes = 0;
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || node === undefined) continue;
    nodes++;
    if (nodes > MAX_NODES) {
      problems.push({ offset: rangeStart(node) ?? 0, message: `more than ${MAX_NODES} nodes in one file: over the limit of ${MAX_NODES} (MAX_NODES) for a policy-pack file` });
      return { problems, overLimit: true };
    }
    if (isMap(node)) {
      if (node.items.length > MAX_KEYS_PER_MAPPING) {
        const first = node.items[MAX_KEYS_PER_MAPPING];
        problems.push({
          offset: rangeStart(first?.key) ?? rangeStart(node) ?? 0,
          message: `a mapping with more than ${MAX_KEYS_PER_MAPPING} keys: over the limit of ${MAX_KEYS_PER_MAPPING} keys per mapping (MAX_KEYS_PER_MAPPING) for a policy-pack file`,
        });
        return { problems, overLimit: true };
      }
      const seen = new Set<string>();
      for (const pair of node.items) {
        const name = keyValue(pair.key);
        if (name === undefined) continue;
        if (seen.has(name)) problems.push({ offset: rangeStart(pair.key) ?? 0, message: `duplicate key "${name}"` });
        seen.add(name);
      }
      for (let i = node.items.length - 1; i >= 0; i--) pending.push(node.items[i]!.value, node.items[i]!.key);
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) pending.push(node.items[i]);
    }
  }
  return { problems, overLimit: false };
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const r = (node as { range?: [number, number, number] | null }).range;
    if (r) return r[0];
  }
  return undefined;
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && (node.source === '' || node.source === undefined);
}

function keyValue(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function firstAlias(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_, node) {
      found = rangeStart(node);
      return visit.BREAK;
    },
  });
  return found;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

// ---------------------------------------------------------------------------------------
// zod issues -> located, readable errors

/** `trackA.comparators[0].config.spec` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

export function zodIssuesToErrors(
  parsed: ParsedYaml,
  issues: readonly core.$ZodIssue[],
  schema?: ZodType,
  prefix: readonly PathSegment[] = [],
): PackError[] {
  const errors: PackError[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as PathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      const where = path.length === 0 ? 'at the top level' : `in ${formatPath(path)}`;
      const known = schema ? knownKeysAt(schema, issue.path as PathSegment[]) : undefined;
      for (const key of issue.keys) {
        const pos = parsed.locate([...path, key], 'key');
        const suggestion = known ? closest(key, known) : undefined;
        errors.push({
          file: parsed.file,
          ...pos,
          message: `unknown key "${key}" ${where}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest rather than a generic "invalid input".
      const branch = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
      if (branch && branch.length > 0) {
        errors.push(...zodIssuesToErrors(parsed, branch, undefined, path));
        continue;
      }
    }
    const missing = issue.code === 'invalid_type' && isMissing(parsed.data, path);
    const pos = missing ? parsed.locate(path.slice(0, -1), 'key') : parsed.locate(path);
    errors.push({ file: parsed.file, ...pos, message: describeIssue(issue, path, missing) });
  }
  return errors;
}

function depth(issues: readonly core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

function isMissing(data: unknown, path: readonly PathSegment[]): boolean {
  if (path.length === 0) return data === undefined || data === null;
  let node: unknown = data;
  for (const seg of path.slice(0, -1)) {
    if (node === undefined) return true;
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  if (node === undefined) return true;
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  return !(String(path[path.length - 1]) in (node as Record<string, unknown>));
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  map: 'a mapping (key: value)',
  array: 'a list',
  tuple: 'a list',
  null: 'null',
};

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  return typeof value;
}

function describeIssue(issue: core.$ZodIssue, path: readonly PathSegment[], missing: boolean): string {
  const where = path.length === 0 ? 'the file' : formatPath(path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (missing) {
        return path.length === 0
          ? `the file is empty; expected ${expected}`
          : `missing required key "${String(path[path.length - 1])}" in ${path.length > 1 ? formatPath(path.slice(0, -1)) : 'the pack'}`;
      }
      return `${where}: expected ${expected}, got ${describeValue(issue.input)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return `${where}: expected ${issue.values.length === 1 ? values : `one of ${values}`}, got ${describeValue(issue.input)}`;
    }
    default:
      return `${where}: ${issue.message}`;
  }
}

/** The keys the schema allows for the object at `path` (for "did you mean"). */
export function knownKeysAt(schema: ZodType, path: readonly PathSegment[]): string[] | undefined {
  let nodes: unknown[] = [schema];
  for (const seg of [...path, undefined]) {
    nodes = nodes.flatMap(unwrap);
    if (seg === undefined) break;
    nodes = nodes.flatMap((n) => {
      const def = defOf(n);
      if (!def) return [];
      if (def.type === 'object' && typeof seg === 'string') return def.shape?.[seg] ? [def.shape[seg]] : [];
      if (def.type === 'array') return def.element ? [def.element] : [];
      if (def.type === 'record') return def.valueType ? [def.valueType] : [];
      return [];
    });
  }
  const keys = new Set<string>();
  for (const n of nodes) {
    const def = defOf(n);
    if (def?.type === 'object' && def.shape) for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return keys.size > 0 ? [...keys] : undefined;
}

interface LooseDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  valueType?: unknown;
  options?: unknown[];
  getter?: () => unknown;
}

function defOf(n: unknown): LooseDef | undefined {
  const zod = (n as { _zod?: { def?: LooseDef } } | undefined)?._zod;
  return zod?.def;
}

function unwrap(n: unknown): unknown[] {
  const out: unknown[] = [];
  const stack = [n];
  let guard = 0;
  while (stack.length > 0 && guard++ < 100) {
    const cur = stack.pop();
    const def = defOf(cur);
    if (!def) continue;
    if (def.innerType !== undefined) stack.push(def.innerType);
    else if (def.type === 'pipe' && def.in !== undefined) stack.push(def.in);
    else if (def.type === 'union' && def.options) stack.push(...def.options);
    else if (def.type === 'lazy' && def.getter) stack.push(def.getter());
    else out.push(cur);
  }
  return out;
}

/** The closest candidate within edit distance 2 (case-insensitive), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

