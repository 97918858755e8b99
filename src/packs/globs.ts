// The one meaning of a pack glob, used by selection and by every comparator. Pure.
//
// - Paths and globs are repo-relative, `/`-separated; a leading `./` or `/` is dropped.
// - Dot files match (`dot: true`).
// - A glob starting with `!` is an exclusion: a path is in a glob list when it matches
//   some positive glob (or the list has only exclusions) and no exclusion.
// - Extglobs (`+(a|b)`, `@(x)`, …) are off, and a glob with more than
//   MAX_WILDCARDS `*`/`**` segments is refused by validation (`globProblem`).
// - Matching never backtracks: minimatch parses a glob (braces, classes, escapes), but its
//   regular expression is not what runs — `*a*a*a*a*b` against a 255-character name, or
//   `**/a/**/a/**/a/**/b` against a deep path, took seconds to minutes there. Each path
//   segment is matched by a wildcard matcher in O(name × pattern) and `**` by one pass over
//   the segments, so a match costs O(path length × glob length) at worst. A path git cannot
//   hold (an empty, `.` or `..` segment), or a glob part this reader does not know, is left
//   to minimatch's expression, which means the same.
import { GLOBSTAR, Minimatch } from 'minimatch';

const MINIMATCH_OPTIONS = { dot: true, nocomment: true, nonegate: true, noext: true } as const;

/** At most this many `*` / `**` wildcards in one glob. */
export const MAX_WILDCARDS = 8;
/** At most this many characters in one glob. */
export const MAX_GLOB_LENGTH = 512;

export function normalizePath(path: string): string {
  return path.replace(/^(?:\.\/|\/)+/, '');
}

/** Why a glob may not be used (validation), or undefined when it is fine. */
export function globProblem(glob: string): string | undefined {
  const problem = shapeProblem(glob);
  if (problem !== undefined) return problem;
  try {
    new Minimatch(normalizePath(glob.startsWith('!') ? glob.slice(1) : glob), MINIMATCH_OPTIONS).makeRe();
  } catch (error) {
    return compileProblem(error);
  }
  return undefined;
}

/** What the glob's text alone says against it. */
function shapeProblem(glob: string): string | undefined {
  const pattern = glob.startsWith('!') ? glob.slice(1) : glob;
  if (pattern.length === 0) return 'a glob may not be empty';
  if (glob.length > MAX_GLOB_LENGTH) return `a glob may have at most ${MAX_GLOB_LENGTH} characters`;
  if (/[@!?+*]\(/.test(pattern)) return 'extglob patterns such as +(a|b) or @(x) are not supported';
  const wildcards = pattern.match(/\*+/g)?.length ?? 0;
  if (wildcards > MAX_WILDCARDS) return `a glob may have at most ${MAX_WILDCARDS} * or ** wildcards (this one has ${wildcards})`;
  return undefined;
}

/** e.g. `-[[:alpha:]]`: minimatch writes an expression the engine refuses. */
function compileProblem(error: unknown): string {
  return `not a glob that can be matched (${(error as Error).message})`;
}

/** A compiled glob list: positive globs select, `!` globs exclude. */
export interface GlobMatcher {
  include: CompiledGlob[] | undefined;
  exclude: CompiledGlob[] | undefined;
  /** Every inclusion starts with one of these names: a path that does not is out at once. */
  firstSegments: Set<string> | undefined;
}

/**
 * One glob: its brace alternatives as segment patterns (undefined where a part cannot be read
 * back), and minimatch's expression for what the segment matcher leaves to it.
 */
interface CompiledGlob {
  alternatives: Alternative[] | undefined;
  regex: RegExp;
}
interface Alternative {
  parts: Part[];
  /** Where its only `**` is; -1 for none, -2 for several. */
  globstar: number;
}
/** A path segment's pattern: `**`, a literal name, or single-character tests and stars. */
type Part = typeof GLOBSTAR | string | SegmentPattern;
interface SegmentPattern {
  atoms: Atom[];
  codePoints: boolean;
  hasStar: boolean;
  /** Literal text every match starts / ends with (a quick refusal). */
  prefix: string;
  suffix: string;
}
const STAR = Symbol('*');
/** A star, a literal character, or a test of one character. */
type Atom = typeof STAR | string | ((c: string) => boolean);
const anyChar = (): boolean => true;

export function compileGlobs(globs: readonly string[]): GlobMatcher {
  const include: CompiledGlob[] = [];
  const exclude: CompiledGlob[] = [];
  for (const glob of globs) {
    const negated = glob.startsWith('!');
    // A refused glob (see globProblem) never reaches here from a valid pack; from an
    // invalid one it matches nothing rather than stall the process.
    if (shapeProblem(glob) !== undefined) continue;
    let mm: Minimatch;
    let re: RegExp | false;
    try {
      mm = new Minimatch(normalizePath(negated ? glob.slice(1) : glob), MINIMATCH_OPTIONS);
      re = mm.makeRe();
    } catch {
      continue; // see compileProblem
    }
    if (re === false) continue; // an invalid pattern matches nothing
    (negated ? exclude : include).push(compileGlob(mm, re));
  }
  return { include: include.length > 0 ? include : undefined, exclude: exclude.length > 0 ? exclude : undefined, firstSegments: firstSegmentsOf(include) };
}

/** The first path segments the inclusions can match, when each of them starts with a literal name. */
function firstSegmentsOf(include: readonly CompiledGlob[]): Set<string> | undefined {
  if (include.length === 0) return undefined;
  const first = new Set<string>();
  for (const glob of include) {
    for (const alternative of glob.alternatives ?? [{ parts: [GLOBSTAR] }]) {
      const part = alternative.parts[0];
      if (typeof part !== 'string') return undefined;
      first.add(part);
    }
  }
  return first;
}

function compileGlob(mm: Minimatch, re: RegExp): CompiledGlob {
  const alternatives: Alternative[] = [];
  for (const alternative of mm.set) {
    const parts: Part[] = [];
    for (const p of alternative) {
      if (p === GLOBSTAR || typeof p === 'string') parts.push(p);
      else {
        const atoms = atomsOf(p);
        if (!atoms) return { alternatives: undefined, regex: re };
        parts.push(segmentPattern(atoms, p.flags.includes('u')));
      }
    }
    const globstars = parts.flatMap((part, i) => (part === GLOBSTAR ? [i] : []));
    alternatives.push({ parts, globstar: globstars.length === 0 ? -1 : globstars.length === 1 ? globstars[0]! : -2 });
  }
  return { alternatives, regex: re };
}

function segmentPattern(atoms: Atom[], codePoints: boolean): SegmentPattern {
  const literal = (a: Atom): a is string => typeof a === 'string';
  const firstOther = atoms.findIndex((a) => !literal(a));
  const prefix = (firstOther === -1 ? atoms : atoms.slice(0, firstOther)).join('');
  const lastStar = atoms.lastIndexOf(STAR);
  const tail = atoms.slice(lastStar + 1);
  const suffix = lastStar >= 0 && tail.every(literal) ? tail.join('') : '';
  return { atoms, codePoints, hasStar: lastStar >= 0, prefix, suffix };
}

/** The segment expression of minimatch, read back as single-character tests and stars; undefined for anything else. */
const DOT_GUARD = '(?!(?:^|\\/)\\.\\.?(?:$|\\/))';
const STAR_SOURCES: ReadonlyArray<readonly [string, Atom[]]> = [
  ['[^/]*?', [STAR]],
  ['[^/]+?', [anyChar, STAR]],
  ['[^/]*', [STAR]],
  ['[^/]+', [anyChar, STAR]],
  ['[^/]', [anyChar]],
];

function atomsOf(re: RegExp): Atom[] | undefined {
  let src = re.source;
  if (!src.startsWith('^') || !src.endsWith('$') || src.endsWith('\\$')) return undefined;
  src = src.slice(1, -1);
  if (src.startsWith(DOT_GUARD)) src = src.slice(DOT_GUARD.length); // `.` and `..` segments never reach the atoms
  const codePoints = re.flags.includes('u');
  const atoms: Atom[] = [];
  let i = 0;
  next: while (i < src.length) {
    for (const [text, add] of STAR_SOURCES) {
      if (src.startsWith(text, i)) {
        atoms.push(...add);
        i += text.length;
        continue next;
      }
    }
    const c = src[i]!;
    if (c === '[') {
      const end = classEnd(src, i);
      if (end < 0) return undefined;
      const one = new RegExp(`^${src.slice(i, end + 1)}$`, re.flags);
      atoms.push((ch) => one.test(ch));
      i = end + 1;
    } else if (c === '\\') {
      const escaped = charAt(src, i + 1, codePoints);
      if (escaped === '' || /[A-Za-z0-9]/.test(escaped)) return undefined; // \d, \p{…}, \u…: not a plain escape
      atoms.push(escaped);
      i += 1 + escaped.length;
    } else if ('()|?*+{}.^$'.includes(c)) {
      return undefined;
    } else {
      const literal = charAt(src, i, codePoints);
      atoms.push(literal);
      i += literal.length;
    }
  }
  return atoms;
}

/** The character at `src[i]`: a whole code point when the expression reads code points ('' past the end). */
function charAt(src: string, i: number, codePoints: boolean): string {
  if (i >= src.length) return '';
  return codePoints ? String.fromCodePoint(src.codePointAt(i)!) : src[i]!;
}

/** Index of the `]` that closes the class opened at `src[start]`, or -1. */
function classEnd(src: string, start: number): number {
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === ']') return i;
  }
  return -1;
}

/** Wildcard matching of one segment, backtracking only to the last star: O(name × pattern). */
function matchSegment(p: SegmentPattern, segment: string): boolean {
  if (!segment.startsWith(p.prefix) || !segment.endsWith(p.suffix)) return false;
  const chars: ArrayLike<string> = p.codePoints ? Array.from(segment) : segment;
  if (!p.hasStar && chars.length !== p.atoms.length) return false;
  const atoms = p.atoms;
  let a = 0;
  let c = 0;
  let star = -1;
  let resume = 0;
  while (c < chars.length) {
    const atom = atoms[a];
    if (atom === STAR) {
      star = a++;
      resume = c;
    } else if (atom !== undefined && (typeof atom === 'string' ? atom === chars[c] : atom(chars[c]!))) {
      a++;
      c++;
    } else if (star >= 0) {
      a = star + 1;
      c = ++resume;
    } else {
      return false;
    }
  }
  while (atoms[a] === STAR) a++;
  return a === atoms.length;
}

function matchPart(part: Exclude<Part, typeof GLOBSTAR>, segment: string): boolean {
  return typeof part === 'string' ? part === segment : matchSegment(part, segment);
}

/** Parts [from, to) against segments starting at `at`, one for one. */
function matchRun(parts: readonly Part[], from: number, to: number, segments: readonly string[], at: number): boolean {
  for (let i = from; i < to; i++) if (!matchPart(parts[i] as Exclude<Part, typeof GLOBSTAR>, segments[at + i - from]!)) return false;
  return true;
}

/** `**` takes zero or more whole segments. No `**` or one: the parts around it, at both ends; several: the segments each pattern prefix can reach. */
function matchAlternative({ parts, globstar }: Alternative, segments: readonly string[]): boolean {
  const n = segments.length;
  if (globstar === -1) return n === parts.length && matchRun(parts, 0, parts.length, segments, 0);
  if (globstar >= 0) {
    const after = parts.length - globstar - 1;
    return n >= globstar + after && matchRun(parts, 0, globstar, segments, 0) && matchRun(parts, globstar + 1, parts.length, segments, n - after);
  }
  let reach = new Uint8Array(n + 1);
  reach[0] = 1;
  for (const part of parts) {
    const next = new Uint8Array(n + 1);
    if (part === GLOBSTAR) {
      let on = 0;
      for (let j = 0; j <= n; j++) next[j] = on = on | reach[j]!;
    } else {
      for (let j = 0; j < n; j++) if (reach[j] && matchPart(part, segments[j]!)) next[j + 1] = 1;
    }
    reach = next;
  }
  return reach[n] === 1;
}

/** A path git can hold: no empty, `.` or `..` segment. */
function gitPath(segments: readonly string[]): boolean {
  return segments.every((s) => s !== '' && s !== '.' && s !== '..');
}

function matchGlob(glob: CompiledGlob, path: string, segments: readonly string[] | undefined): boolean {
  if (!glob.alternatives || !segments) return glob.regex.test(path);
  for (const alternative of glob.alternatives) if (matchAlternative(alternative, segments)) return true;
  return false;
}

interface SplitPath {
  p: string;
  /** Undefined for a path git cannot hold: minimatch's expression decides it. */
  segments: string[] | undefined;
}
const MAX_SPLIT = 20_000;
const splits = new Map<string, SplitPath>();
/** The normalized path and its segments, kept while one selection walks every pack over the same paths. */
function splitPath(path: string): SplitPath {
  let hit = splits.get(path);
  if (!hit) {
    const p = normalizePath(path);
    const split = p.split('/');
    hit = { p, segments: gitPath(split) ? split : undefined };
    if (splits.size >= MAX_SPLIT) splits.clear();
    splits.set(path, hit);
  }
  return hit;
}

/** Is `path` in the list? Only exclusions: everything else is in. An empty matcher takes everything. */
export function matchesCompiled(m: GlobMatcher, path: string): boolean {
  const { p, segments } = splitPath(path);
  if (m.firstSegments && segments && !m.firstSegments.has(segments[0]!)) return false;
  if (m.include && !m.include.some((g) => matchGlob(g, p, segments))) return false;
  return !m.exclude?.some((g) => matchGlob(g, p, segments));
}

const MAX_CACHED = 2000;
const compiled = new Map<string, GlobMatcher>();

/** Compiled once per distinct list (a bounded cache: glob lists come from a few packs). */
export function globMatcher(globs: readonly string[]): GlobMatcher {
  const key = JSON.stringify(globs);
  let m = compiled.get(key);
  if (!m) {
    m = compileGlobs(globs);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, m);
  }
  return m;
}

/** Is `path` in the glob list (with `!` exclusions)? */
export function inGlobs(path: string, globs: readonly string[]): boolean {
  return matchesCompiled(globMatcher(globs), path);
}

export function hasGlobChars(s: string): boolean {
  return /[*?[\]{}!]/.test(s);
}

/** Is `path` in a non-empty glob list? (An empty list matches nothing here: "no ignore globs" ignores nothing.) */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.length > 0 && inGlobs(path, globs);
}
