// $ref resolution over one side of the diff (the main spec plus any files it references).
// Nothing is dereferenced up front: a ref is followed when the walk reaches it, so shared
// and recursive schemas cost nothing until compared. Relative file refs are read through
// ReadFile at the same sha before the walk; URLs are refused, never fetched.
import { posix } from 'node:path';
import { parseSpecBytes, parseSpecDocument, type SpecDocument } from './parse.js';
import { Pointer, fragmentSegments } from './pointer.js';
import { convertSwagger2, isSwagger2 } from './swagger2.js';
import { SpecParseError, type ReadFile, type SpecBytes, type SpecFile } from './types.js';

/** A value in a spec together with where it lives (for positions and identity). */
export interface Located {
  readonly doc: SpecDocument;
  readonly pointer: Pointer;
  readonly value: unknown;
}

const MAX_REF_HOPS = 64;

/**
 * Thrown by a ReadFile that refuses a path (outside the repository, or a symlink that
 * leaves it): reported at the $ref that asked for it, never read and never a pass.
 */
export class ReadRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ReadRefused';
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The child element at `key`, without following refs. */
export function childOf(node: Located | undefined, key: string | number): Located | undefined {
  if (!node) return undefined;
  const container = node.value;
  if (container === null || typeof container !== 'object') return undefined;
  const value = (container as Record<string, unknown>)[key];
  if (value === undefined) return undefined;
  return { doc: node.doc, pointer: node.pointer.child(key), value };
}

export function refOf(value: unknown): string | undefined {
  return isObject(value) && typeof value['$ref'] === 'string' ? value['$ref'] : undefined;
}

export class SpecSet {
  constructor(
    readonly main: SpecDocument,
    private readonly files: ReadonlyMap<string, SpecDocument>,
  ) {}

  /** Repo paths of every file of the set: the main spec and each file it reaches through $refs. */
  filePaths(): string[] {
    return [...this.files.keys()];
  }

  root(): Located {
    return { doc: this.main, pointer: Pointer.root, value: this.main.root };
  }

  /** Follows a chain of $refs to the element it names; a non-ref is returned as is. */
  resolve(node: Located): Located {
    let current = node;
    for (let hop = 0; hop < MAX_REF_HOPS; hop++) {
      const ref = refOf(current.value);
      if (ref === undefined) return current;
      current = this.target(current, ref);
    }
    throw this.errorAt(current, 'circular $ref chain');
  }

  /** child + resolve, the common step when walking. */
  get(node: Located | undefined, key: string | number): Located | undefined {
    const child = childOf(node, key);
    return child && this.resolve(child);
  }

  /**
   * The target of each $ref string met so far, per document it is written in: GitHub's
   * description has ~30,000 $refs to ~2,000 targets, and the walk meets each many times.
   */
  private readonly targets = new Map<SpecDocument, Map<string, Located>>();

  private target(from: Located, ref: string): Located {
    let known = this.targets.get(from.doc);
    if (!known) this.targets.set(from.doc, (known = new Map()));
    let located = known.get(ref);
    if (!located) {
      located = this.findTarget(from, ref);
      known.set(ref, located);
    }
    return located;
  }

  private findTarget(from: Located, ref: string): Located {
    const hash = ref.indexOf('#');
    const filePart = hash === -1 ? ref : ref.slice(0, hash);
    const fragment = hash === -1 ? '' : ref.slice(hash + 1);
    const doc = filePart === '' ? from.doc : this.files.get(resolveRepoPath(from.doc.file, filePart) ?? '');
    if (!doc) throw this.errorAt(from, `$ref ${ref} points to a file that was not loaded`);
    let located: Located = { doc, pointer: Pointer.root, value: doc.root };
    for (const segment of fragmentSegments(fragment)) {
      const next = childOf(located, segment);
      if (!next) throw this.errorAt(from, `$ref ${ref} does not resolve`);
      located = next;
    }
    return located;
  }

  private errorAt(node: Located, reason: string): SpecParseError {
    const at = node.doc.locate(node.pointer.child('$ref').segments());
    return new SpecParseError(at.file, at.line, at.column, reason);
  }
}

/** Repo-relative path of a relative ref, or undefined when it escapes the repository. */
function resolveRepoPath(fromFile: string, relative: string): string | undefined {
  if (relative.startsWith('/')) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(fromFile), relative));
  return joined.startsWith('../') || joined === '..' ? undefined : joined;
}

function isRemote(ref: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith('//');
}

/** Cheap pre-check on the text so that specs with only internal refs skip the walk. */
const NON_LOCAL_REF = /\$ref['"]?\s*:\s*['"]?[^\s'"#]/;

interface ExternalRef { ref: string; pointer: Pointer }

function externalRefsIn(doc: SpecDocument, text: string): ExternalRef[] {
  if (!NON_LOCAL_REF.test(text)) return [];
  const found: ExternalRef[] = [];
  const pending: Array<{ value: unknown; pointer: Pointer }> = [{ value: doc.root, pointer: Pointer.root }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { value, pointer } = item;
    if (value === null || typeof value !== 'object') continue;
    const ref = refOf(value);
    if (ref !== undefined && !ref.startsWith('#')) found.push({ ref, pointer });
    for (const [key, child] of Object.entries(value)) {
      if (child !== null && typeof child === 'object') pending.push({ value: child, pointer: pointer.child(key) });
    }
  }
  return found;
}

export interface LoadOptions { read?: ReadFile; maxBytes: number }

/** Parses the main spec and every file it reaches through relative $refs. */
export async function loadSpecSet(main: SpecFile | SpecBytes, options: LoadOptions): Promise<SpecSet> {
  const parseOptions = { maxBytes: options.maxBytes, requireOpenApi: true };
  const { document: mainDoc, text: mainText } = 'bytes' in main
    ? parseSpecBytes(main.path, main.bytes, parseOptions)
    : { document: parseSpecDocument(main.path, main.content, parseOptions), text: main.content };
  const files = new Map<string, SpecDocument>([[main.path, mainDoc]]);
  const queue: Array<{ doc: SpecDocument; text: string }> = [{ doc: mainDoc, text: mainText }];
  for (let item = queue.shift(); item; item = queue.shift()) {
    for (const { ref, pointer } of externalRefsIn(item.doc, item.text)) {
      const loaded = await loadReferencedFile(item.doc, ref, pointer, files, options);
      if (loaded) queue.push(loaded);
    }
  }
  if (!isSwagger2(mainDoc.root)) return new SpecSet(mainDoc, files);
  // Swagger 2.0: converted once every file is loaded (a parameter or response may be $ref'd from another file).
  const converted = convertSwagger2(mainDoc, (path) => files.get(path));
  files.set(main.path, converted);
  return new SpecSet(converted, files);
}

async function loadReferencedFile(
  from: SpecDocument,
  ref: string,
  pointer: Pointer,
  files: Map<string, SpecDocument>,
  options: LoadOptions,
): Promise<{ doc: SpecDocument; text: string } | undefined> {
  const fail = (reason: string): never => {
    const at = from.locate(pointer.child('$ref').segments());
    throw new SpecParseError(at.file, at.line, at.column, reason);
  };
  if (isRemote(ref)) fail(`remote $ref ${ref} is not followed`);
  const filePart = ref.split('#')[0] ?? '';
  const path = resolveRepoPath(from.file, filePart) ?? fail(`$ref ${ref} points outside the repository`);
  if (files.has(path)) return undefined;
  let text: string | undefined;
  try {
    text = options.read ? await options.read(path) : undefined;
  } catch (error) {
    if (error instanceof ReadRefused) fail(`$ref ${ref} refused: ${error.reason}`);
    throw error;
  }
  if (text === undefined) fail(`$ref ${ref}: file ${path} is missing`);
  const doc = parseSpecDocument(path, text as string, { maxBytes: options.maxBytes, requireOpenApi: false });
  files.set(path, doc);
  return { doc, text: text as string };
}
