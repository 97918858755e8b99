import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { evaluateContracts } from '../../src/contracts/evaluate.js';
import { comparatorConfigSchemas, comparators } from '../../src/contracts/registry.js';
import type { InvalidPack } from '../../src/packs/types.js';
import { MemoryChangeSet, validPack } from '../change/fakes.js';

const BASE = readFileSync(new URL('../../fixtures/prs/petstore/base.yaml', import.meta.url), 'utf8');
const HEAD = readFileSync(new URL('../../fixtures/prs/petstore/head.yaml', import.meta.url), 'utf8');
const SPEC = 'openapi/openapi.yaml';
const now = new Date('2026-01-01T00:00:00Z');

const apiPack = (over: Record<string, unknown> = {}, mode: 'block' | 'warn' = 'block') =>
  validPack({
    id: 'payments-api',
    trackA: {
      comparators: [
        { type: 'openapi.diff', severity: 'high', config: { spec: SPEC } },
        { type: 'openapi.version_bump', severity: 'high' },
        { type: 'changelog.updated', severity: 'medium' },
      ],
      enforcement: { mode },
    },
    ...over,
  });

describe('evaluateContracts', () => {
  it('evaluates each pack: findings sorted by score, blocking at high and above, highest severity', async () => {
    const changes = new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } });
    const ev = await evaluateContracts({ changes, packs: [apiPack()], now });
    const [p] = ev.packs;
    expect(p!.findings.map((f) => f.comparator)).toContain('changelog.updated');
    expect(p!.findings[0]!.score).toBeGreaterThanOrEqual(p!.findings.at(-1)!.score);
    expect(p!.gated.every((f) => f.severity === 'high' || f.severity === 'critical')).toBe(true);
    expect(p!.gated.some((f) => f.comparator === 'changelog.updated')).toBe(false); // medium: reported, not blocking
    expect(p).toMatchObject({ mode: 'block', testMode: false, wouldBlock: true, blocks: true, highestSeverity: 'high' });
    expect(ev).toMatchObject({ blocks: true, highestSeverity: 'high', invalidPacks: [] });
    // One diff served openapi.diff and version_bump: each side read once.
    expect(changes.reads.filter((r) => r === `base:${SPEC}`)).toHaveLength(1);
  });

  it('does not block in warn mode or in test mode, and test mode stays out of highestSeverity', async () => {
    const changes = new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } });
    const warn = await evaluateContracts({ changes, packs: [apiPack({}, 'warn')], now });
    expect(warn.blocks).toBe(false);
    expect(warn.packs[0]!.wouldBlock).toBe(false);
    const test = await evaluateContracts({ changes, packs: [apiPack({ testMode: { enabled: true } })], now });
    expect(test.packs[0]).toMatchObject({ wouldBlock: true, blocks: false });
    expect(test.blocks).toBe(false);
    expect(test.highestSeverity).toBeUndefined();
  });

  it('fails closed on invalid packs and on a comparator that throws', async () => {
    const invalid: InvalidPack = { valid: false, file: 'policy-packs/bad.yml', id: 'bad', errors: [{ file: 'policy-packs/bad.yml', line: 3, column: 5, message: 'unknown key' }] };
    const spy = vi.spyOn(comparators.get('path.coupling')!, 'run').mockRejectedValueOnce(new Error('boom'));
    const pack = validPack({ trackA: { comparators: [{ type: 'path.coupling', severity: 'low', config: { rules: [{ when: ['a'], require: ['b'] }] } }] } });
    const ev = await evaluateContracts({ changes: new MemoryChangeSet({ head: { a: '1' } }), packs: [invalid, pack], now });
    spy.mockRestore();
    expect(ev.invalidPacks).toEqual([{ file: 'policy-packs/bad.yml', id: 'bad', errors: invalid.errors }]);
    expect(ev.blocks).toBe(true);
    const f = ev.packs[0]!.findings[0]!;
    expect(f).toMatchObject({ ruleId: 'comparator-failed', severity: 'high' });
    expect(f.message).toContain('comparator failed: path.coupling: boom');
  });

  it('fails closed on an unknown comparator type', async () => {
    const pack = validPack({ trackA: { comparators: [{ type: 'openapi.dif' }] } });
    const ev = await evaluateContracts({ changes: new MemoryChangeSet({ head: { a: '1' } }), packs: [pack], now });
    expect(ev.packs[0]!.findings[0]).toMatchObject({ ruleId: 'comparator-failed', severity: 'high' });
  });

  it('does not even list files when no selected pack has a Track A comparator', async () => {
    const changes = new MemoryChangeSet({ head: { a: '1' } });
    const files = vi.spyOn(changes, 'files');
    const ev = await evaluateContracts({ changes, packs: [validPack({})], now });
    expect(files).not.toHaveBeenCalled();
    expect(ev.packs[0]!.findings).toEqual([]);
  });

  it('notes a truncated file list', async () => {
    const ev = await evaluateContracts({ changes: new MemoryChangeSet({ head: { a: '1' }, truncated: true }), packs: [apiPack()], now });
    expect(ev.notes.join(' ')).toContain('3000');
  });

  it('registers the four comparators with strict config schemas', () => {
    expect([...comparatorConfigSchemas.keys()].sort()).toEqual(['changelog.updated', 'openapi.diff', 'openapi.version_bump', 'path.coupling']);
    expect(comparatorConfigSchemas.get('openapi.version_bump')!.safeParse({ specs: 'x' }).success).toBe(false);
  });
});
