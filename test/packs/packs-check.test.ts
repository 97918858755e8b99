import { describe, expect, it } from 'vitest';
import { loadLocalPackSet } from '../../src/cli/local-packs.js';
import { buildPacksCheck } from '../../src/report/packs-check.js';
import { known } from './known.js';

describe('config-repo check run', () => {
  it('a broken packs folder fails with one annotation per error at its file:line', async () => {
    const set = await loadLocalPackSet('fixtures/packs/broken', known);
    const check = buildPacksCheck(set, 'f'.repeat(40));
    expect(check.name).toBe('PuddleJumper / policy packs');
    expect(check.headSha).toBe('f'.repeat(40));
    expect(check.status).toBe('completed');
    expect(check.conclusion).toBe('failure');
    expect(check.annotations.map((a) => `${a.path}:${a.start_line} ${a.annotation_level}`)).toEqual([
      'fixtures/packs/broken/dup-a.yml:1 failure',
      'fixtures/packs/broken/dup-b.yml:2 failure',
      'fixtures/packs/broken/payments.yml:4 failure',
      'fixtures/packs/broken/payments.yml:6 failure',
      'fixtures/packs/broken/payments.yml:8 failure',
      expect.stringMatching(/^fixtures\/packs\/broken\/syntax\.yml:[34] failure$/),
    ]);
    expect(check.annotations.every((a) => a.title === a.path && a.end_line === a.start_line)).toBe(true);
    expect(check.annotations.find((a) => a.start_line === 6)?.message).toBe(
      'unknown key "enforcment" in trackA (did you mean "enforcement"?)',
    );
    expect(check.annotations[0]!.message).toContain('duplicate pack id "shared"');
    expect(check.title).toBe(`${check.annotations.length} errors in policy packs`);
    expect(check.summary).toContain('`good`');
  });

  it('a valid folder succeeds and lists each pack with its version hash', async () => {
    const set = await loadLocalPackSet('policy-packs', known);
    const check = buildPacksCheck(set, 'abc');
    expect(check.conclusion).toBe('success');
    expect(check.annotations).toEqual([]);
    expect(check.title).toBe('3 policy packs valid');
    for (const p of set.packs) {
      if (!p.valid) throw new Error('expected valid');
      expect(check.summary).toContain(`| \`${p.pack.id}\` | ${p.pack.name} | \`${p.file}\` |`);
      expect(check.summary).toContain(p.versionHash.slice(0, 12));
    }
    expect(check.summary).toContain('draft (test mode)');
  });

  it('an empty set succeeds with a clear title', () => {
    expect(buildPacksCheck({ packs: [], services: {}, errors: [] }, 'abc').title).toBe('No policy packs found');
  });
});
