import { describe, expect, it } from 'vitest';
import { changelogComparator } from '../../src/contracts/comparators/changelog-updated.js';
import { couplingComparator } from '../../src/contracts/comparators/path-coupling.js';
import type { ComparatorContext } from '../../src/contracts/comparators/types.js';
import { globProblem, inGlobs } from '../../src/packs/globs.js';
import { loadPackSet } from '../../src/packs/load-set.js';
import { selectPacks } from '../../src/packs/select.js';
import { validatePackFile } from '../../src/packs/validate.js';
import { MemoryChangeSet, validPack } from '../change/fakes.js';
import { known } from './known.js';

const GLOBS = ['src/**', '!src/**/*.test.ts'];

async function changelogFindings(paths: string[]) {
  const changes = new MemoryChangeSet({
    base: Object.fromEntries(paths.map((p) => [p, '1'])),
    head: Object.fromEntries(paths.map((p) => [p, '2'])),
  });
  const pack = validPack({ pathGlobs: GLOBS, trackA: { comparators: [{ type: 'changelog.updated', severity: 'medium', config: {} }] } });
  const entry = pack.pack.trackA!.comparators[0]!;
  const ctx: ComparatorContext = {
    changes,
    files: await changes.files(),
    pack,
    comparator: { ...entry, config: changelogComparator.configSchema.parse(entry.config) as Record<string, unknown> },
    now: new Date(),
  };
  return changelogComparator.run(ctx);
}

describe('one meaning of a pack glob', () => {
  const set = loadPackSet([{ path: 'p/globs.yml', text: `id: globs\nname: Globs\nscope: { type: workspace }\npathGlobs: ${JSON.stringify(GLOBS)}\n` }], known);

  it('selection and the changelog comparator agree that "!x" excludes', async () => {
    // Outside the positive glob, and inside the exclusion: neither selects nor counts.
    expect(selectPacks(set, 'acme/api', ['README.md', 'src/a.test.ts'])).toEqual([]);
    expect(await changelogFindings(['README.md', 'src/a.test.ts'])).toEqual([]);
    // A file in scope: both do.
    expect(selectPacks(set, 'acme/api', ['src/a.ts'])).toHaveLength(1);
    const findings = await changelogFindings(['src/a.ts', 'src/a.test.ts', 'README.md']);
    expect(findings.map((f) => f.ruleId)).toEqual(['changelog-not-updated']);
    expect(findings[0]!.message).toContain('src/a.ts');
    expect(findings[0]!.message).not.toContain('README.md');
    expect(findings[0]!.message).not.toContain('a.test.ts');
  });

  it('path.coupling reads "!" as an exclusion too', async () => {
    const pack = validPack({
      trackA: { comparators: [{ type: 'path.coupling', severity: 'medium', config: { rules: [{ when: GLOBS, require: ['docs/**'], message: 'document it' }] } }] },
    });
    const run = async (paths: string[]) => {
      const changes = new MemoryChangeSet({ base: Object.fromEntries(paths.map((p) => [p, '1'])), head: Object.fromEntries(paths.map((p) => [p, '2'])) });
      const entry = pack.pack.trackA!.comparators[0]!;
      return couplingComparator.run({
        changes,
        files: await changes.files(),
        pack,
        comparator: { ...entry, config: couplingComparator.configSchema.parse(entry.config) as Record<string, unknown> },
        now: new Date(),
      });
    };
    expect(await run(['src/a.test.ts'])).toEqual([]);
    expect((await run(['src/a.ts'])).length).toBe(1);
  });

  it('matches dot files and ignores a leading ./ on either side', () => {
    expect(inGlobs('./.github/workflows/ci.yml', ['**/*.yml'])).toBe(true);
    expect(inGlobs('src/x.ts', ['./src/**'])).toBe(true);
    expect(inGlobs('docs/x.md', ['!docs/**'])).toBe(false);
    expect(inGlobs('lib/x.md', ['!docs/**'])).toBe(true);
  });
});

describe('catastrophic globs are refused at validation and never matched as extglobs', () => {
  const pack = (glob: string) => `id: demo\nname: Demo\nscope: { type: workspace }\npathGlobs:\n  - "${glob}"\n`;

  it('an extglob is an error at its file:line', () => {
    const loaded = validatePackFile('p.yml', pack('+(a|aa|aaa)+(a|aa|aaa)+(a|aa|aaa)*b'), known);
    expect(loaded.valid).toBe(false);
    if (loaded.valid) return;
    expect(loaded.errors[0]).toMatchObject({ file: 'p.yml', line: 5 });
    expect(loaded.errors[0]!.message).toMatch(/extglob patterns .* are not supported/);
  });

  it('a glob with too many wildcards is an error naming the limit', () => {
    const loaded = validatePackFile('p.yml', pack('*a*a*a*a*a*a*a*a*a*a*a*b'), known);
    expect(loaded.valid).toBe(false);
    if (loaded.valid) return;
    expect(loaded.errors[0]!.message).toMatch(/at most 8 \* or \*\* wildcards \(this one has 12\)/);
    expect(loaded.errors[0]!.line).toBe(5);
  });

  it('ordinary globs pass', () => {
    for (const g of ['openapi/**', '!**/*.test.ts', 'src/**/*.{ts,tsx}', 'a/*/b/*/c/**']) expect(globProblem(g)).toBeUndefined();
  });

  it('an invalid pack carrying such a glob fails closed without ever running the pattern', () => {
    const set = loadPackSet([{ path: 'p/bad.yml', text: pack('+(a|aa|aaa)+(a|aa|aaa)+(a|aa|aaa)*b') }], known);
    // The refused glob is dropped, so the invalid pack applies on scope alone (fail closed).
    const chosen = selectPacks(set, 'acme/x', ['a'.repeat(29)]);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.valid).toBe(false);
  });
});
