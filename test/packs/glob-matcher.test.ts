// The glob matcher (packs/globs.ts) matches path segments without backtracking. It must mean
// exactly what minimatch's expression means on every path git can hold, and answer the
// shapes that made that expression backtrack for seconds to minutes (issue 9 item 5).
import fc from 'fast-check';
import { Minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { compileGlobs, globProblem, matchesCompiled, normalizePath } from '../../src/packs/globs.js';

const OPTIONS = { dot: true, nocomment: true, nonegate: true, noext: true } as const;

/**
 * What the glob list meant when minimatch's expression ran (the previous implementation) —
 * with one difference on purpose: there a negated class (`[!a]`) could match the `/` between
 * two segments (`a[!a]a` took `a/a`); a class is one character of one name now.
 */
function byExpression(globs: readonly string[], path: string): boolean {
  const p = normalizePath(path);
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const g of globs) {
    if (globProblem(g) !== undefined) continue;
    const re = new Minimatch(normalizePath(g.startsWith('!') ? g.slice(1) : g), OPTIONS).makeRe();
    if (re === false) continue; // an invalid pattern matches nothing, and is no inclusion
    (g.startsWith('!') ? exclude : include).push(new RegExp(re.source.replaceAll('[^', '[^/'), re.flags));
  }
  if (include.length > 0 && !include.some((re) => re.test(p))) return false;
  return !exclude.some((re) => re.test(p));
}

const globToken = fc.constantFrom('a', 'b', '.', '-', 'é', '😀', '*', '**', '?', '/', '/**/', '[ab]', '[!a]', '[^b]', '[a-c]', '[[:alpha:]]', '[]a]', '\\*', '\\[', '{a,b}', '{x,*.ts}', '.ts', '[', ']');
const glob = fc.array(globToken, { minLength: 1, maxLength: 8 }).map((t) => t.join(''));
const segment = fc.array(fc.constantFrom('a', 'b', 'c', '.', '-', 'é', '😀', '*', '[', '.ts', 'x'), { minLength: 1, maxLength: 5 }).map((t) => t.join('')).filter((s) => s !== '.' && s !== '..');
const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));

describe('the segment glob matcher', () => {
  it('means what minimatch\'s expression means, on every path git can hold', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(glob, glob.map((g) => `!${g}`)), { minLength: 1, maxLength: 3 }), fc.array(path, { minLength: 1, maxLength: 6 }), (globs, paths) => {
        const m = compileGlobs(globs);
        for (const p of paths) expect(matchesCompiled(m, p), `${JSON.stringify(globs)} on ${p}`).toBe(byExpression(globs, p));
      }),
      { numRuns: 2_000, seed: 20261202 },
    );
  }, 60_000);

  it('agrees on hand-picked globs and paths', () => {
    const globs = ['src/**', '**/*.ts', 'a/**/b', '**/a/**', '*.{ts,js}', 'docs/*.md', '**/.github/**', 'x/[!a-c]?\\*y/*', '**', '*', '?', 'a/*', 'src/**/*.test.ts', '[[:alpha:]]*'];
    const paths = ['src/a.ts', 'src/a/b/c.test.ts', 'a/b', 'a/x/y/b', 'a', 'x/a/y', '.github/workflows/ci.yml', 'docs/readme.md', 'docs/x/readme.md', 'x/d9*y/z', 'b.js', 'é/😀', 'README.md'];
    for (const g of globs) for (const p of paths) expect(matchesCompiled(compileGlobs([g]), p), `${g} on ${p}`).toBe(byExpression([g], p));
  });

  it('answers the shapes that made the expression backtrack: stars in one segment, globstars over a deep path', () => {
    // Each took from 0.8 s to over 100 s with the expression, growing with the name or the depth.
    const name = 'a'.repeat(255);
    expect(matchesCompiled(compileGlobs(['*a*a*a*a*a*a*a*b']), name)).toBe(false);
    expect(matchesCompiled(compileGlobs(['*a*a*a*a*a*a*a*a']), name)).toBe(true);
    expect(matchesCompiled(compileGlobs(['**/*a*a*a*a*a*a*b']), `${'x/'.repeat(100)}${name}`)).toBe(false);
    const deep = Array(400).fill('a').join('/');
    expect(matchesCompiled(compileGlobs(['**/a/**/a/**/a/**/a/**/a/**/a/**/b']), deep)).toBe(false);
    expect(matchesCompiled(compileGlobs(['**/a/**/a/**/a/**/a/**/a/**/a/**/a']), deep)).toBe(true);
  });
  it('a glob minimatch cannot turn into an expression is refused by validation (selection threw on it)', () => {
    expect(globProblem('-[[:alpha:]]a')).toMatch(/^not a glob that can be matched \(Invalid regular expression/);
    expect(() => compileGlobs(['-[[:alpha:]]a'])).not.toThrow();
    expect(globProblem('docs/[[:alpha:]]*.md')).toBeUndefined();
  });
});
