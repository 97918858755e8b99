// Turns spec text (JSON or YAML) into plain values plus a position finder.
// Every failure is a SpecParseError with file:line:column, because the gate fails closed
// and the developer needs to know where to look.
import type { Alias, Document, Node as YamlNode } from 'yaml';
import { FastYamlOffsetLocator, JsonOffsetLocator, LineIndex, YamlOffsetLocator, type OffsetLocator } from './positions.js';
import { compactJsonText, type Escapes } from './compact-json.js';
import { FastYamlDuplicate, FastYamlLimit, parseFastYaml } from './yaml-fast.js';
import { yamlPackage } from './yaml-lib.js';
import { SpecParseError, type SourcePos } from './types.js';

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

/**
 * Specs legitimately reuse an anchor hundreds of times (the yaml default, 100, rejects
 * them); the library still bounds the expansion (uses x nested aliases), so an alias
 * bomb is still refused.
 */
export const SPEC_MAX_ALIAS_COUNT = 10_000;

/**
 * Bounds on the shape of one spec file, so that a hostile document costs little before it
 * is refused. GitHub's REST description has at most 1,876 keys in a mapping and 258,000
 * nodes (1.2 million dereferenced, 70 MB): far below both.
 */
export const SPEC_MAX_KEYS_PER_MAPPING = 50_000;
export const SPEC_MAX_NODES = 2_000_000;

/** One parsed file: its values, and where each element sits in the text. */
export interface SpecDocument {
  readonly file: string;
  readonly root: unknown;
  locate(pointer: readonly string[]): SourcePos;
}

export interface ParseOptions {
  maxBytes: number;
  /** The main spec must be OpenAPI 3.x or Swagger 2.0; files reached through $ref are fragments. */
  requireOpenApi: boolean;
  /** Default SPEC_MAX_KEYS_PER_MAPPING. */
  maxKeysPerMapping?: number;
  /** Default SPEC_MAX_NODES. */
  maxNodes?: number;
}

interface ShapeLimits { maxKeysPerMapping: number; maxNodes: number }

/**
 * A spec given as bytes: JSON is decoded to compact text and parsed; whatever that does not
 * take (not JSON, not valid UTF-8, too big) is decoded as UTF-8 and read as text. Returns the
 * text that was read as well (for the $ref pre-check).
 */
export function parseSpecBytes(file: string, bytes: Uint8Array, options: ParseOptions): { document: SpecDocument; text: string } {
  const compact = bytes.length <= options.maxBytes && looksLikeJsonBytes(bytes) ? compactJsonText(bytes) : undefined;
  if (compact) {
    let root: unknown = NOT_PARSED;
    try {
      root = JSON.parse(compact.text);
    } catch {
      // not JSON after all: read as text below, which says where it fails
    }
    if (root !== NOT_PARSED) {
      const document = makeDocument(file, root, compact.text, new JsonOffsetLocator(compact.text), compact.escapes);
      checkJsonShape(document, shapeLimits(options));
      if (options.requireOpenApi) checkIsOpenApi3(document);
      return { document, text: compact.text };
    }
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return { document: parseSpecDocument(file, text, options), text };
}

const NOT_PARSED = Symbol('not parsed');

/** The first byte after ASCII white space opens an object or array. */
function looksLikeJsonBytes(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

function shapeLimits(options: ParseOptions): ShapeLimits {
  return {
    maxKeysPerMapping: options.maxKeysPerMapping ?? SPEC_MAX_KEYS_PER_MAPPING,
    maxNodes: options.maxNodes ?? SPEC_MAX_NODES,
  };
}

export function parseSpecDocument(file: string, content: string, options: ParseOptions): SpecDocument {
  checkSize(file, content, options.maxBytes);
  const limits = shapeLimits(options);
  const parsed = looksLikeJson(content) ? parseJson(file, content, limits) : parseYaml(file, content, limits);
  if (options.requireOpenApi) checkIsOpenApi3(parsed);
  return parsed;
}

function checkSize(file: string, content: string, maxBytes: number): void {
  // A UTF-8 character takes at most 3 bytes per UTF-16 unit: skip the exact count (a full
  // pass over the text) when the length alone proves the spec is small enough.
  if (content.length * 3 <= maxBytes) return;
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > maxBytes) {
    throw new SpecParseError(file, 1, 1, `spec is ${size(bytes)}, over the ${size(maxBytes)} limit`);
  }
}

function size(bytes: number): string {
  return bytes >= 100 * 1024 ? `${megabytes(bytes)} MB` : `${bytes} bytes`;
}

function megabytes(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function looksLikeJson(content: string): boolean {
  const first = content.trimStart()[0];
  return first === '{' || first === '[';
}

function makeDocument(file: string, root: unknown, text: string, locator: OffsetLocator, escapes?: Escapes): SpecDocument {
  const lines = new LineIndex(text, escapes);
  return {
    file,
    root,
    locate: (pointer) => ({ file, ...lines.position(locator.offsetOf(pointer)) }),
  };
}

function parseJson(file: string, content: string, limits: ShapeLimits): SpecDocument {
  let root: unknown;
  try {
    root = JSON.parse(content);
  } catch {
    // JSON.parse does not say where it failed on Node 20; JSON is YAML, so let the YAML
    // parser find the position (or accept the text, if it is valid YAML after all).
    return parseYaml(file, content, limits);
  }
  const document = makeDocument(file, root, content, new JsonOffsetLocator(content));
  checkJsonShape(document, limits);
  return document;
}

function limitError(kind: 'keys' | 'nodes', limits: ShapeLimits): string {
  return kind === 'keys'
    ? `a mapping with more than ${limits.maxKeysPerMapping} keys: over the limit of ${limits.maxKeysPerMapping} keys per mapping (SPEC_MAX_KEYS_PER_MAPPING); refusing to compare it`
    : `more than ${limits.maxNodes} nodes: over the limit of ${limits.maxNodes} nodes per spec file (SPEC_MAX_NODES); refusing to compare it`;
}

/** JSON.parse is linear, but what comes after is not free: the same bounds as YAML. */
function checkJsonShape(document: SpecDocument, limits: ShapeLimits): void {
  // Count first, cheaply (no pointers); only a document over a bound is walked again to say where.
  if (shapeProblem(document.root, limits, false) === undefined) return;
  const problem = shapeProblem(document.root, limits, true)!;
  fail(document, problem.pointer, limitError(problem.kind, limits));
}

const NO_POINTER: string[] = [];

function shapeProblem(root: unknown, limits: ShapeLimits, locate: boolean): { kind: 'keys' | 'nodes'; pointer: string[] } | undefined {
  let nodes = 1;
  const pending: unknown[] = [root];
  const pointers: string[][] = [[]];
  while (pending.length > 0) {
    const value = pending.pop() as object;
    const pointer = locate ? pointers.pop()! : NO_POINTER;
    if (value === null || typeof value !== 'object') continue;
    const isArray = Array.isArray(value);
    if (isArray && !locate) {
      // Counting only: an array's members are its indices (for-in would make a string of each).
      nodes += value.length;
      if (nodes > limits.maxNodes) return { kind: 'nodes', pointer: [] };
      for (const child of value as unknown[]) if (child !== null && typeof child === 'object') pending.push(child);
      continue;
    }
    let keys = 0;
    for (const key in value) {
      nodes++;
      if (!isArray && ++keys > limits.maxKeysPerMapping) return { kind: 'keys', pointer: [...pointer, key] };
      if (nodes > limits.maxNodes) return { kind: 'nodes', pointer: [...pointer, key] };
      const child = (value as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') {
        pending.push(child);
        if (locate) pointers.push([...pointer, key]);
      }
    }
  }
  return undefined;
}

function fail(document: SpecDocument, pointer: readonly string[], reason: string): never {
  const at = document.locate(pointer);
  throw new SpecParseError(document.file, at.line, at.column, reason);
}

function parseYaml(file: string, content: string, limits: ShapeLimits): SpecDocument {
  // Most specs are plain block YAML: read those directly, with positions recorded per member
  // only. Anything else (anchors, tags, errors...) goes to the yaml package below.
  let fast;
  try {
    fast = parseFastYaml(content, limits);
  } catch (error) {
    if (error instanceof FastYamlDuplicate) {
      const at = new LineIndex(content).position(error.offset);
      throw new SpecParseError(file, at.line, at.column, duplicateKey(error.key));
    }
    if (!(error instanceof FastYamlLimit)) throw error;
    const at = new LineIndex(content).position(error.offset);
    throw new SpecParseError(file, at.line, at.column, limitError(error.kind, limits));
  }
  if (fast) return makeDocument(file, fast.root, content, new FastYamlOffsetLocator(fast.root, fast.members));
  return parseYamlWithLibrary(file, content, limits);
}

function parseYamlWithLibrary(file: string, content: string, limits: ShapeLimits): SpecDocument {
  const { LineCounter, parseDocument } = yamlPackage();
  const lineCounter = new LineCounter();
  // Merge keys (`<<: *common`) are YAML 1.1 but common in specs: honour them (packs stay strict).
  // The library's own unique-key check is quadratic in the keys of a mapping (a 60,000-key
  // mapping took 45 s): duplicates are found below with one set per mapping instead.
  const merge = content.includes('<<');
  const document = parseDocument(content, { lineCounter, prettyErrors: false, uniqueKeys: false, merge });
  const error = document.errors[0];
  if (error) {
    const at = lineCounter.linePos(error.pos[0]);
    throw new SpecParseError(file, at.line, at.col, firstLine(error.message));
  }
  const shapeProblem = checkYamlShape(document, limits);
  if (shapeProblem) {
    const at = lineCounter.linePos(shapeProblem.offset);
    throw new SpecParseError(file, at.line, at.col, shapeProblem.reason);
  }
  let root: unknown;
  try {
    root = document.toJS({ maxAliasCount: SPEC_MAX_ALIAS_COUNT });
  } catch (cause) {
    const message = firstLine(cause instanceof Error ? cause.message : String(cause));
    const alias = /alias count/i.test(message) ? mostExpandedAlias(document) : undefined;
    if (alias?.range) {
      const at = lineCounter.linePos(alias.range[0]);
      throw new SpecParseError(file, at.line, at.col, `${message} (alias *${alias.source}, expanded too often)`);
    }
    throw new SpecParseError(file, 1, 1, message);
  }
  return makeDocument(file, root, content, new YamlOffsetLocator(document));
}


/**
 * Duplicate keys and the shape bounds, in one pass over the parsed nodes: a set of keys per
 * mapping (linear), a count of nodes. Aliases are not followed (the alias-count budget of
 * toJS bounds their expansion). The first problem in document order is returned.
 */
function checkYamlShape(document: Document, limits: ShapeLimits): { offset: number; reason: string } | undefined {
  const { isMap, isScalar, isSeq } = yamlPackage();
  let nodes = 0;
  const pending: unknown[] = [document.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || node === undefined) continue;
    nodes++;
    if (nodes > limits.maxNodes) return { offset: rangeStart(node), reason: limitError('nodes', limits) };
    if (isMap(node)) {
      if (node.items.length > limits.maxKeysPerMapping) {
        return { offset: rangeStart(node.items[limits.maxKeysPerMapping]?.key ?? node), reason: limitError('keys', limits) };
      }
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && typeof key.value !== 'symbol') {
          const name = String(key.value);
          if (seen.has(name)) return { offset: rangeStart(key), reason: duplicateKey(name) };
          seen.add(name);
        }
      }
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i]!;
        pending.push(pair.value, pair.key);
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) pending.push(node.items[i]);
    }
  }
  return undefined;
}

function duplicateKey(name: string): string {
  return `duplicate key "${name}": a key may appear once in a mapping`;
}

function rangeStart(node: unknown): number {
  return (node as { range?: readonly number[] | null } | null)?.range?.[0] ?? 0;
}

/**
 * The alias to blame for an alias-count error: the first use of the anchor whose uses
 * times the aliases nested inside it is largest (an approximation of the library's count).
 */
function mostExpandedAlias(document: Document): Alias | undefined {
  const { visit } = yamlPackage();
  const uses = new Map<string, { first: Alias; count: number; weight: number }>();
  visit(document, {
    Alias(_key, alias) {
      let entry = uses.get(alias.source);
      if (!entry) {
        entry = { first: alias, count: 0, weight: 1 + nestedAliases(alias.resolve(document) as YamlNode | undefined) };
        uses.set(alias.source, entry);
      }
      entry.count += 1;
    },
  });
  let worst: { first: Alias; score: number } | undefined;
  for (const { first, count, weight } of uses.values()) {
    if (!worst || count * weight > worst.score) worst = { first, score: count * weight };
  }
  return worst?.first;
}

function nestedAliases(node: unknown, depth = 0): number {
  const { isAlias, isCollection, isPair } = yamlPackage();
  if (depth > 64) return 0;
  if (isAlias(node)) return 1;
  if (isPair(node)) return nestedAliases(node.key, depth + 1) + nestedAliases(node.value, depth + 1);
  if (isCollection(node)) return node.items.reduce<number>((n, item) => n + nestedAliases(item, depth + 1), 0);
  return 0;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}

function checkIsOpenApi3(document: SpecDocument): void {
  const root = document.root;
  const fail = (pointer: string[], reason: string): never => {
    const at = document.locate(pointer);
    throw new SpecParseError(document.file, at.line, at.column, reason);
  };
  if (root === null || typeof root !== 'object' || Array.isArray(root)) fail([], 'not an OpenAPI document: the top level is not a mapping');
  const fields = root as Record<string, unknown>;
  // Swagger 2.0 is read through swagger2.ts (which checks the version).
  if (fields['swagger'] !== undefined) return;
  const version = fields['openapi'];
  if (version === undefined) fail([], 'not an OpenAPI document: no `openapi` field');
  if (typeof version !== 'string' || !/^3\.[01]\./.test(version)) fail(['openapi'], `unsupported OpenAPI version ${String(version)} (3.0 and 3.1 are supported)`);
}
