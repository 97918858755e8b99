import { minimatch } from 'minimatch';

/** Repo paths against pack globs: dot files included, `/` separated, no leading `./`. */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  const p = path.replace(/^\.?\/+/, '');
  return globs.some((g) => minimatch(p, g.replace(/^\.?\/+/, ''), { dot: true }));
}

export function hasGlobChars(s: string): boolean {
  return /[*?[\]{}!]/.test(s);
}
