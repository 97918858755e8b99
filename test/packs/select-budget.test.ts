// Issue 9 item 5, "bound total selection time per event": the glob matcher no longer
// backtracks, but many packs × many globs × many changed files is still work the event loop
// does at once. Selection counts its path × glob tests against a budget (work, not time: the
// core has no clock) and past it ends with an error naming the limit; the use case turns it
// into a failed check (fail closed), never a long stall nor a silent pass.
import { describe, expect, it } from 'vitest';
import { evaluateChange } from '../../src/contracts/evaluate-change.js';
import { DEFAULT_MAX_GLOB_TESTS, SelectionBudgetError, selectPacks } from '../../src/packs/select.js';
import type { PackSet } from '../../src/packs/types.js';
import { MemoryChangeSet, validPack } from '../change/fakes.js';

/** `packs` packs of `globs` globs each (none matching the paths below but the last glob of pack `hit`). */
function packSet(packs: number, globs: number, hit?: number): PackSet {
  return {
    packs: Array.from({ length: packs }, (_, i) =>
      validPack({ id: `p${i}`, pathGlobs: [...Array.from({ length: globs - 1 }, (_, g) => `**/dir${g}/**/*.ts`), i === hit ? 'src/**' : `**/only${i}/*`] }, `policy-packs/p${i}.yml`),
    ),
    services: {},
    errors: [],
  };
}
const paths = (n: number) => Array.from({ length: n }, (_, i) => `src/a${i}/b/file${i}.md`);

describe('the selection budget', () => {
  it('under the budget selection is as before; past it, an error naming the limit, the packs and the files', () => {
    // 9 packs × 5 globs × 100 files that match none of them, and p9's 5 globs on its first file: 4,505 tests.
    const set = packSet(10, 5, 9);
    expect(selectPacks(set, 'acme/api', paths(100), { maxGlobTests: 4_505 }).map((p) => (p.valid ? p.pack.id : ''))).toEqual(['p9']);
    const error = (() => {
      try {
        selectPacks(set, 'acme/api', paths(100), { maxGlobTests: 4_504 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SelectionBudgetError);
    expect((error as Error).message).toBe(
      'selecting the policy packs for this change passed the limit of 4,504 path × glob tests per event (10 packs, 100 changed files): which packs govern it is unknown, so it fails closed. Fewer or narrower pathGlobs in the packs (or a smaller change) bring it under the limit.',
    );
  });

  it('counts the work done: a pack that matches the first file costs one test, and scope-only selection costs none', () => {
    const early = packSet(10, 5, undefined).packs.map((p) => (p.valid ? { ...p, pack: { ...p.pack, pathGlobs: ['src/**', ...p.pack.pathGlobs!] } } : p));
    // 10 packs × 6 globs × the first file only.
    expect(selectPacks({ packs: early, services: {}, errors: [] }, 'acme/api', paths(10_000), { maxGlobTests: 60 })).toHaveLength(10);
    expect(selectPacks(packSet(10, 5), 'acme/api', paths(10_000), { maxGlobTests: 0, ignorePaths: true })).toHaveLength(10);
  });

  it('the default budget stops 100 packs × 21 globs × 3,000 files (6.3 million tests) and lets a big ordinary change through', () => {
    expect(DEFAULT_MAX_GLOB_TESTS).toBe(2_000_000);
    expect(() => selectPacks(packSet(100, 21), 'acme/api', paths(3_000))).toThrow(/passed the limit of 2,000,000 path × glob tests per event \(100 packs, 3000 changed files\)/);
    // 30 packs × 10 globs × 3,000 files (900,000 tests): under it.
    expect(selectPacks(packSet(30, 10, 29), 'acme/api', paths(3_000))).toHaveLength(1);
  });

  it('through evaluateChange (the app, pj check, test runs): the error reaches the use case, which fails the check with it', async () => {
    const files = Object.fromEntries(paths(3_000).map((p) => [p, 'x']));
    const changes = new MemoryChangeSet({ base: {}, head: files });
    await expect(evaluateChange(changes, packSet(100, 21), new Date('2026-12-02T00:00:00Z'))).rejects.toThrow(SelectionBudgetError);
  });
});
