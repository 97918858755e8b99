import { describe, expect, it } from 'vitest';
import { couplingComparator } from '../../src/contracts/comparators/path-coupling.js';
import type { ComparatorContext } from '../../src/contracts/comparators/types.js';
import { MemoryChangeSet, validPack } from '../change/fakes.js';

const rules = [
  { when: ['migrations/**'], require: ['src/db/schema.ts', 'docs/db/**'], message: 'A migration needs the schema or its docs.' },
  { when: ['.github/workflows/*.yml'], require: ['docs/ci.md'] },
];

async function run(changes: MemoryChangeSet) {
  const pack = validPack({ trackA: { comparators: [{ type: 'path.coupling', config: { rules } }] } });
  const ctx: ComparatorContext = { changes, files: await changes.files(), pack, comparator: pack.pack.trackA!.comparators[0]!, now: new Date() };
  return couplingComparator.run(ctx);
}

describe('path.coupling comparator', () => {
  it('requires a coupled change', async () => {
    const findings = await run(new MemoryChangeSet({ head: { 'migrations/004_add.sql': 'x' } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'path-coupling-1', level: 'ERR', severity: 'medium', file: 'migrations/004_add.sql' });
    expect(findings[0]!.message).toContain('A migration needs the schema or its docs.');
  });

  it('is satisfied by any file matching require', async () => {
    expect(await run(new MemoryChangeSet({ head: { 'migrations/004_add.sql': 'x', 'docs/db/tables.md': 'y' } }))).toEqual([]);
  });

  it('matches dot paths and writes a default message', async () => {
    const findings = await run(new MemoryChangeSet({ base: { '.github/workflows/ci.yml': 'a' }, head: { '.github/workflows/ci.yml': 'b' } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.ruleId).toBe('path-coupling-2');
    expect(findings[0]!.message).toContain('require a change to docs/ci.md');
  });

  it('with a truncated file list, warns that it could not verify instead of passing or blocking', async () => {
    // Nothing visible triggers a rule, but the hidden files might.
    const quiet = await run(new MemoryChangeSet({ head: { 'src/a.ts': 'x' }, truncated: true }));
    expect(quiet).toHaveLength(1);
    expect(quiet[0]).toMatchObject({ ruleId: 'path-coupling-unverified', level: 'WARN' });
    expect(quiet[0]!.message).toMatch(/could not verify its rules: the file list is truncated/i);
    // A visible trigger whose required file may be among the hidden ones: a WARN, not an ERR.
    const triggered = await run(new MemoryChangeSet({ head: { 'migrations/004_add.sql': 'x', 'docs/ci.md': 'y' }, truncated: true }));
    expect(triggered.map((f) => [f.ruleId, f.level])).toEqual([['path-coupling-unverified', 'WARN']]);
    expect(triggered[0]!.message).toContain('rule 1:');
  });

  it('ignores unrelated changes and rejects bad config', async () => {
    expect(await run(new MemoryChangeSet({ head: { 'src/a.ts': 'x' } }))).toEqual([]);
    expect(couplingComparator.configSchema.safeParse({ rules: [{ when: ['a'], require: [] }] }).success).toBe(false);
    expect(couplingComparator.configSchema.safeParse({ rules: [{ when: ['a'], require: ['b'], msg: 'x' }] }).success).toBe(false);
  });
});
