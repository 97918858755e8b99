import { describe, expect, it } from 'vitest';
import { changelogComparator } from '../../src/contracts/comparators/changelog-updated.js';
import type { ComparatorContext } from '../../src/contracts/comparators/types.js';
import { MemoryChangeSet, validPack } from '../change/fakes.js';

async function run(changes: MemoryChangeSet, config: Record<string, unknown> = {}, pathGlobs?: string[]) {
  const pack = validPack({ ...(pathGlobs ? { pathGlobs } : {}), trackA: { comparators: [{ type: 'changelog.updated', severity: 'medium', config }] } });
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

describe('changelog.updated comparator', () => {
  it('flags changes in scope without a changelog entry', async () => {
    const findings = await run(new MemoryChangeSet({ base: { 'src/a.ts': '1' }, head: { 'src/a.ts': '2' } }), {}, ['src/**']);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'changelog-not-updated', level: 'ERR', severity: 'medium', file: 'CHANGELOG.md' });
    expect(findings[0]!.message).toContain('src/a.ts');
    expect(findings[0]!.message).toContain('skip-changelog');
  });

  it('with a truncated file list and no visible changelog change, warns that it could not verify', async () => {
    const hidden = await run(new MemoryChangeSet({ base: { 'docs/x.md': '1' }, head: { 'docs/x.md': '2' }, truncated: true }), {}, ['src/**']);
    expect(hidden).toHaveLength(1);
    expect(hidden[0]).toMatchObject({ ruleId: 'changelog-unverified', level: 'WARN', file: 'CHANGELOG.md' });
    expect(hidden[0]!.message).toMatch(/could not verify: the file list is truncated/i);
    const inScope = await run(new MemoryChangeSet({ base: { 'src/a.ts': '1' }, head: { 'src/a.ts': '2' }, truncated: true }), {}, ['src/**']);
    expect(inScope.map((f) => [f.ruleId, f.level])).toEqual([['changelog-unverified', 'WARN']]);
    // A visible changelog change still satisfies it.
    const seen = new MemoryChangeSet({ base: { 'src/a.ts': '1', 'CHANGELOG.md': 'a' }, head: { 'src/a.ts': '2', 'CHANGELOG.md': 'b' }, truncated: true });
    expect(await run(seen, {}, ['src/**'])).toEqual([]);
  });

  it('is satisfied when the changelog changed too', async () => {
    const changes = new MemoryChangeSet({ base: { 'src/a.ts': '1', 'CHANGELOG.md': 'a' }, head: { 'src/a.ts': '2', 'CHANGELOG.md': 'b' } });
    expect(await run(changes, {}, ['src/**'])).toEqual([]);
  });

  it('ignores changes outside the pack scope', async () => {
    expect(await run(new MemoryChangeSet({ base: { 'docs/a.md': '1' }, head: { 'docs/a.md': '2' } }), {}, ['src/**'])).toEqual([]);
  });

  it('is waived by the waiver label, and says so', async () => {
    const changes = new MemoryChangeSet({ base: { 'src/a.ts': '1' }, head: { 'src/a.ts': '2' }, labels: ['skip-changelog'] });
    const findings = await run(changes);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'changelog-waived', level: 'INFO', severity: 'info' });
    expect(findings[0]!.message).toContain('waived by the label "skip-changelog"');
  });

  it('honours a configured file and label', async () => {
    const changes = new MemoryChangeSet({ base: { 'src/a.ts': '1', 'docs/HISTORY.md': 'a' }, head: { 'src/a.ts': '2', 'docs/HISTORY.md': 'b' }, labels: ['skip-changelog'] });
    expect(await run(changes, { file: 'docs/HISTORY.md' })).toEqual([]);
    const other = new MemoryChangeSet({ base: { 'src/a.ts': '1' }, head: { 'src/a.ts': '2' }, labels: ['skip-changelog'] });
    const findings = await run(other, { file: 'docs/HISTORY.md', waiverLabel: 'no-history' });
    expect(findings[0]).toMatchObject({ ruleId: 'changelog-not-updated', file: 'docs/HISTORY.md' });
  });

  it('has a strict config schema with defaults', () => {
    expect(changelogComparator.configSchema.parse({})).toEqual({ file: 'CHANGELOG.md', waiverLabel: 'skip-changelog' });
    expect(changelogComparator.configSchema.safeParse({ fiel: 'x' }).success).toBe(false);
  });
});
