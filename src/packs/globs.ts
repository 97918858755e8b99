// The one meaning of a pack glob, used by selection and by every comparator. Pure.
//
// - Paths and globs are repo-relative, `/`-separated; a leading `./` or `/` is dropped.
// - Dot files match (`dot: true`).
// - A glob starting with `!` is an exclusion: a path is in a glob list when it matches
//   some positive glob (or the list has only exclusions) and no exclusion.
// - Extglobs (`+(a|b)`, `@(x)`, …) are off, and a glob with more than
//   MAX_WILDCARDS `*`/`**` segments is refused by validation (`globProblem`): both make
//   a pattern whose matching time explodes on a long path (catastrophic backtracking).
import { Minimatch } from 'minimatch';

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
  const pattern = glob.startsWith('!') ? glob.slice(1) : glob;
  if (pattern.length === 0) return 'a glob may not be empty';
  if (glob.length > MAX_GLOB_LENGTH) return `a glob may have at most ${MAX_GLOB_LENGTH} characters`;
  if (/[@!?+*]\(/.test(pattern)) return 'extglob patterns such as +(a|b) or @(x) are not supported';
  const wildcards = pattern.match(/\*+/g)?.length ?? 0;
  if (wildcards > MAX_WILDCARDS) return `a glob may have at most ${MAX_WILDCARDS} * or ** wildcards (this one has ${wildcards})`;
  return undefined;
}

/** A compiled glob list: positive globs select, `!` globs exclude; each side one RegExp. */
export interface GlobMatcher {
  include: RegExp | undefined;
  exclude: RegExp | undefined;
}

export function compileGlobs(globs: readonly string[]): GlobMatcher {
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const glob of globs) {
    const negated = glob.startsWith('!');
    // A refused glob (see globProblem) never reaches here from a valid pack; from an
    // invalid one it matches nothing rather than stall the process.
    if (globProblem(glob) !== undefined) continue;
    const re = new Minimatch(normalizePath(negated ? glob.slice(1) : glob), MINIMATCH_OPTIONS).makeRe();
    if (re === false) continue; // an invalid pattern matches nothing
    (negated ? exclude : include).push(re);
  }
  return { include: combine(include), exclude: combine(exclude) };
}

function combine(res: RegExp[]): RegExp | undefined {
  if (res.length === 0) return undefined;
  if (res.length === 1) return res[0];
  // minimatch regexps are anchored (^...$) and flag-free with these options: an alternation is equivalent.
  return new RegExp(res.map((r) => `(?:${r.source})`).join('|'), res[0]!.flags);
}

/** Is `path` in the list? Only exclusions: everything else is in. An empty matcher takes everything. */
export function matchesCompiled(m: GlobMatcher, path: string): boolean {
  const p = normalizePath(path);
  if (m.include ? !m.include.test(p) : false) return false;
  return !m.exclude?.test(p);
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
