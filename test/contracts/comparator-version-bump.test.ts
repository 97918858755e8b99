import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { infoVersionLine, isMajorBump, nextMajor, parseSemver, versionBumpComparator } from '../../src/contracts/comparators/openapi-version-bump.js';
import type { ComparatorContext } from '../../src/contracts/comparators/types.js';
import { MemoryChangeSet, validPack } from '../change/fakes.js';

const BASE = readFileSync(new URL('../../fixtures/prs/petstore/base.yaml', import.meta.url), 'utf8');
const HEAD = readFileSync(new URL('../../fixtures/prs/petstore/head.yaml', import.meta.url), 'utf8');
const SPEC = 'openapi/openapi.yaml';

const withVersion = (text: string, v: string) => text.replace(/version: [\d.]+/, `version: ${v}`);

async function run(changes: MemoryChangeSet, bumpConfig: Record<string, unknown> = {}) {
  const pack = validPack({
    trackA: {
      comparators: [
        { type: 'openapi.diff', severity: 'high', config: { spec: SPEC } },
        { type: 'openapi.version_bump', severity: 'high', config: bumpConfig },
      ],
    },
  });
  const ctx: ComparatorContext = {
    changes,
    files: await changes.files(),
    pack,
    comparator: pack.pack.trackA!.comparators[1]!,
    now: new Date('2026-01-01T00:00:00Z'),
    memo: new Map(),
  };
  return versionBumpComparator.run(ctx);
}

describe('openapi.version_bump comparator', () => {
  it('honours config.maxSpecBytes: fails closed when only it names the spec, stays quiet when openapi.diff reports the size', async () => {
    const only = validPack({ trackA: { comparators: [{ type: 'openapi.version_bump', severity: 'high', config: { spec: SPEC, maxSpecBytes: 100 } }] } });
    const changes = new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } });
    const ctx: ComparatorContext = { changes, files: await changes.files(), pack: only, comparator: only.pack.trackA!.comparators[0]!, now: new Date('2026-01-01T00:00:00Z'), memo: new Map() };
    const findings = await versionBumpComparator.run(ctx);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'api-spec-too-large', level: 'ERR', severity: 'high', file: SPEC });
    expect(findings[0]!.message).toContain('limit of 100 bytes (the comparator\'s config.maxSpecBytes)');
    // With openapi.diff on the same spec and the same limit, that comparator reports the size (once).
    const both = validPack({ trackA: { comparators: [
      { type: 'openapi.diff', severity: 'high', config: { spec: SPEC, maxSpecBytes: 100 } },
      { type: 'openapi.version_bump', severity: 'high', config: {} },
    ] } });
    const ctx2: ComparatorContext = { ...ctx, pack: both, comparator: both.pack.trackA!.comparators[1]!, memo: new Map() };
    expect(await versionBumpComparator.run(ctx2)).toEqual([]);
    expect(versionBumpComparator.configSchema.safeParse({ maxSpecBytes: -5 }).success).toBe(false);
  });

  it('flags a breaking change without a major bump and says what the version should become', async () => {
    const findings = await run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'api-version-major-bump-required', level: 'ERR', severity: 'high', file: SPEC, line: 4 });
    expect(findings[0]!.message).toContain('2.3.1 → 2.4.0');
    expect(findings[0]!.message).toContain('2.3.1 → 3.0.0');
    expect(findings[0]!.message).toContain('2 breaking changes');
  });

  it('is satisfied by a major bump', async () => {
    expect(await run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: withVersion(HEAD, '3.0.0') } }))).toEqual([]);
  });

  it('says nothing when there is no breaking change', async () => {
    expect(await run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: withVersion(BASE, '2.3.2') } }))).toEqual([]);
  });

  it('counts a minor bump as major for 0.x versions', async () => {
    const base = withVersion(BASE, '0.4.2');
    expect(await run(new MemoryChangeSet({ base: { [SPEC]: base }, head: { [SPEC]: withVersion(HEAD, '0.5.0') } }))).toEqual([]);
    const patch = await run(new MemoryChangeSet({ base: { [SPEC]: base }, head: { [SPEC]: withVersion(HEAD, '0.4.3') } }));
    expect(patch[0]!.message).toContain('0.4.2 → 0.5.0');
  });

  it('checks the specs named in its own config', async () => {
    const other = 'api/other.yaml';
    const changes = new MemoryChangeSet({ base: { [other]: BASE }, head: { [other]: HEAD } });
    expect(await run(changes)).toEqual([]); // defaults to the openapi.diff spec, which did not change
    expect(await run(changes, { spec: other })).toHaveLength(1);
  });

  it('fails closed on a spec only it names that exists at neither side; a spec openapi.diff owns is left to it', async () => {
    const changes = new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } });
    const findings = await run(changes, { spec: 'openapi/openapi.yml' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'api-spec-not-found', level: 'ERR', file: 'openapi/openapi.yml' });
    expect(findings[0]!.message).toContain('policy-packs/test.yml');
  });

  it('puts the finding on the line the parser records for info.version, not the first line that looks like info:', async () => {
    const decoy = (text: string) => text.replace(/^info:/m, 'x-meta:\n  info: legacy\n  version: 0.0.1\ninfo:');
    const findings = await run(new MemoryChangeSet({ base: { [SPEC]: decoy(BASE) }, head: { [SPEC]: decoy(HEAD) } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'api-version-major-bump-required', file: SPEC, line: 7 });
  });

  it('semver helpers', () => {
    expect(parseSemver('v1.2.3')).toEqual({ major: 1, minor: 2, patch: 3 });
    expect(parseSemver('2024-01-01')).toBeUndefined();
    expect(isMajorBump({ major: 1, minor: 9, patch: 0 }, { major: 2, minor: 0, patch: 0 })).toBe(true);
    expect(isMajorBump({ major: 1, minor: 0, patch: 0 }, { major: 1, minor: 1, patch: 0 })).toBe(false);
    expect(nextMajor({ major: 0, minor: 3, patch: 1 })).toBe('0.4.0');
    expect(infoVersionLine('{\n  "openapi": "3.1.0",\n  "info": {\n    "title": "x",\n    "version": "1.0.0"\n  }\n}')).toBe(5);
  });
});
