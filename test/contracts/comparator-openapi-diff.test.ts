import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openapiDiffComparator } from '../../src/contracts/comparators/openapi-diff.js';
import { MAX_SPEC_BYTES } from '../../src/contracts/comparators/openapi-shared.js';
import type { ComparatorContext } from '../../src/contracts/comparators/types.js';
import { MemoryChangeSet, validPack } from '../change/fakes.js';

const BASE = readFileSync(new URL('../../fixtures/prs/petstore/base.yaml', import.meta.url), 'utf8');
const HEAD = readFileSync(new URL('../../fixtures/prs/petstore/head.yaml', import.meta.url), 'utf8');
const SPEC = 'openapi/openapi.yaml';

async function run(changes: MemoryChangeSet, config: Record<string, unknown> = { spec: SPEC }) {
  const pack = validPack({ trackA: { comparators: [{ type: 'openapi.diff', severity: 'high', config }], enforcement: { mode: 'block' } } });
  const ctx: ComparatorContext = {
    changes,
    files: await changes.files(),
    pack,
    comparator: pack.pack.trackA!.comparators[0]!,
    now: new Date('2026-01-01T00:00:00Z'),
    memo: new Map(),
  };
  return openapiDiffComparator.run(ctx);
}

describe('openapi.diff comparator', () => {
  it('turns engine changes into findings at head lines, scored by the comparator severity', async () => {
    const findings = await run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } }));
    const required = findings.find((f) => f.ruleId === 'request-parameter-became-required');
    expect(required).toMatchObject({ level: 'ERR', severity: 'high', score: 80, file: SPEC, line: 12, method: 'GET', path: '/pets' });
    const removed = findings.find((f) => f.ruleId === 'api-removed-without-deprecation');
    expect(removed).toMatchObject({ method: 'DELETE', line: 24 });
    expect(removed!.message).toContain('36'); // the base line
  });

  it('does nothing when neither the spec nor any file it references changed', async () => {
    const changes = new MemoryChangeSet({ base: { [SPEC]: BASE, 'src/a.ts': 'a' }, head: { [SPEC]: BASE, 'src/a.ts': 'b' } });
    expect(await run(changes)).toEqual([]);
    // Only the head spec is read, to learn which files it references (any name, not only .yaml/.json); nothing is compared.
    expect(changes.reads).toEqual([`head:${SPEC}`]);
  });

  it('finds a breaking change inside a referenced file with another extension (issue 9 item 7: no extension filter)', async () => {
    const spec = [
      'openapi: 3.0.3',
      'info: { title: Pay, version: 1.0.0 }',
      'paths:',
      '  /payments:',
      '    post:',
      '      requestBody:',
      '        content:',
      '          application/json:',
      '            schema: { $ref: "../schemas/payment.schema" }',
      '      responses:',
      "        '200': { description: ok }",
      '',
    ].join('\n');
    const schema = (required: string) => JSON.stringify({ type: 'object', required: [required], properties: { amount: { type: 'integer' }, currency: { type: 'string' } } }, null, 2);
    const changes = new MemoryChangeSet({
      base: { [SPEC]: spec, 'schemas/payment.schema': schema('amount') },
      head: { [SPEC]: spec, 'schemas/payment.schema': schema('currency') },
      files: [{ path: 'schemas/payment.schema', status: 'modified' }],
    });
    const findings = await run(changes);
    // Before: "No contract problems found", because only .yaml/.json changes were looked at.
    const required = findings.find((f) => f.ruleId === 'request-property-became-required');
    expect(required, JSON.stringify(findings.map((f) => f.ruleId))).toMatchObject({ level: 'ERR', severity: 'high', file: 'schemas/payment.schema', method: 'POST', path: '/payments' });
    expect(required!.line).toBe(4);
  });

  it('takes its size limit from config.maxSpecBytes, named in the finding', async () => {
    const over = await run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } }), { spec: SPEC, maxSpecBytes: 100 });
    expect(over).toHaveLength(1);
    expect(over[0]).toMatchObject({ ruleId: 'api-spec-too-large', level: 'ERR', severity: 'high' });
    expect(over[0]!.message).toContain('config.maxSpecBytes, 100 bytes');
    const huge = `${HEAD}\n# ${'x'.repeat(MAX_SPEC_BYTES)}\n`;
    const raised = await run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: huge } }), { spec: SPEC, maxSpecBytes: 2 * MAX_SPEC_BYTES });
    expect(raised.some((f) => f.ruleId === 'request-parameter-became-required')).toBe(true);
    for (const bad of [0, -1, 1.5, '20MB']) expect(openapiDiffComparator.configSchema.safeParse({ spec: SPEC, maxSpecBytes: bad }).success, String(bad)).toBe(false);
  });

  it('compares when a file next to the spec (a $ref target) changed', async () => {
    const changes = new MemoryChangeSet({
      base: { [SPEC]: BASE, 'openapi/pet.yaml': 'a: 1' },
      head: { [SPEC]: HEAD, 'openapi/pet.yaml': 'a: 2' },
      files: [{ path: 'openapi/pet.yaml', status: 'modified' }],
    });
    expect((await run(changes)).some((f) => f.ruleId === 'request-parameter-became-required')).toBe(true);
  });

  it('reports a new spec as INFO and a removed spec as ERR', async () => {
    const added = await run(new MemoryChangeSet({ head: { [SPEC]: HEAD } }));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ ruleId: 'api-spec-added', level: 'INFO', severity: 'info' });
    const removed = await run(new MemoryChangeSet({ base: { [SPEC]: BASE } }));
    expect(removed[0]).toMatchObject({ ruleId: 'api-spec-removed', level: 'ERR', severity: 'high' });
  });

  it('fails closed on a spec that does not parse at head, at its file and line', async () => {
    const broken = 'openapi: 3.0.3\ninfo:\n  title: x\n   version: 1\n  bad: [\n';
    const findings = await run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: broken } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'api-spec-unparsable', level: 'ERR', severity: 'high', file: SPEC });
    expect(findings[0]!.line).toBeGreaterThanOrEqual(3);
    expect(findings[0]!.message).toMatch(new RegExp(`^${SPEC}:\\d+`));
  });

  it('fails closed on a spec over 20 MB, naming the limit', async () => {
    const huge = `${HEAD}\n# ${'x'.repeat(MAX_SPEC_BYTES)}\n`;
    const findings = await run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: huge } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'api-spec-too-large', severity: 'high' });
    expect(findings[0]!.message).toContain('20 MB');
  });

  it('does not block a PR that repairs a broken base spec', async () => {
    const findings = await run(new MemoryChangeSet({ base: { [SPEC]: 'openapi: [\n' }, head: { [SPEC]: HEAD } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'api-spec-base-unparsable', level: 'WARN' });
  });

  it('passes severity overrides and ignores to the engine', async () => {
    const findings = await run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } }), {
      spec: [SPEC],
      severityOverrides: { 'request-parameter-became-required': 'WARN' },
      ignore: [{ method: 'DELETE', path: '/pets/{id}' }],
    });
    expect(findings.find((f) => f.ruleId === 'request-parameter-became-required')).toMatchObject({ level: 'WARN', severity: 'medium' });
    expect(findings.some((f) => f.method === 'DELETE')).toBe(false);
  });

  it('fails closed when the configured spec is at neither side (a typo: .yml for .yaml), naming the path and the pack file', async () => {
    const typo = 'openapi/openapi.yml';
    const changes = new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } });
    const findings = await run(changes, { spec: typo });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'api-spec-not-found', level: 'ERR', severity: 'high', file: typo });
    expect(findings[0]!.message).toContain(typo);
    expect(findings[0]!.message).toContain('policy-packs/test.yml');
  });

  it('says nothing about a missing spec it only guessed at because the file list was truncated', async () => {
    const changes = new MemoryChangeSet({ base: { 'src/a.ts': 'a' }, head: { 'src/a.ts': 'b' }, truncated: true });
    expect(await run(changes)).toEqual([]);
  });

  it('rejects glob characters in the spec path with a clear message', () => {
    for (const spec of ['openapi/*.yaml', 'openapi/v?.yaml', 'openapi/[ab].yaml', 'openapi/{a,b}.yaml', ['ok.yaml', 'api/**/x.yaml']]) {
      const r = openapiDiffComparator.configSchema.safeParse({ spec });
      expect(r.success, JSON.stringify(spec)).toBe(false);
      expect(r.error!.issues[0]!.message).toContain('glob characters');
    }
  });

  it('compares when a file the spec $refs from outside its folder changed', async () => {
    const spec = BASE.replace(/^paths:/m, 'x-shared:\n  $ref: "../schemas/pet.yaml"\npaths:');
    const headSpec = HEAD.replace(/^paths:/m, 'x-shared:\n  $ref: "../schemas/pet.yaml"\npaths:');
    expect(spec).not.toBe(BASE);
    const changes = new MemoryChangeSet({
      base: { [SPEC]: spec, 'schemas/pet.yaml': 'type: object\n' },
      head: { [SPEC]: headSpec, 'schemas/pet.yaml': 'type: string\n' },
      files: [{ path: 'schemas/pet.yaml', status: 'modified' }],
    });
    expect((await run(changes)).some((f) => f.ruleId === 'request-parameter-became-required')).toBe(true);
    // An unrelated YAML file: the head spec is read to learn its refs, and nothing is compared.
    const unrelated = new MemoryChangeSet({
      base: { [SPEC]: spec, 'schemas/pet.yaml': 'a: 1\n', 'deploy/app.yaml': 'a: 1' },
      head: { [SPEC]: headSpec, 'schemas/pet.yaml': 'a: 1\n', 'deploy/app.yaml': 'a: 2' },
      files: [{ path: 'deploy/app.yaml', status: 'modified' }],
    });
    expect(await run(unrelated)).toEqual([]);
    expect(unrelated.reads).toEqual([`head:${SPEC}`, 'head:schemas/pet.yaml']);
  });

  it('compares when a $ref target outside the spec folder was removed (the head spec no longer loads)', async () => {
    const spec = BASE.replace(/^paths:/m, 'x-shared:\n  $ref: "../schemas/pet.yaml"\npaths:');
    const changes = new MemoryChangeSet({
      base: { [SPEC]: spec, 'schemas/pet.yaml': 'type: object\n' },
      head: { [SPEC]: spec },
      files: [{ path: 'schemas/pet.yaml', status: 'removed' }],
    });
    const findings = await run(changes);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'api-spec-unparsable', level: 'ERR' });
  });

  it('rejects an empty ignore entry and unknown rule ids, naming the bad id', async () => {
    const schema = openapiDiffComparator.configSchema;
    const empty = schema.safeParse({ spec: SPEC, ignore: [{}] });
    expect(empty.success).toBe(false);
    expect(empty.error!.issues[0]!.message).toContain('at least one of rule, method or path');
    const badIgnore = schema.safeParse({ spec: SPEC, ignore: [{ rule: 'request-parameter-became-requird' }] });
    expect(badIgnore.success).toBe(false);
    expect(badIgnore.error!.issues[0]).toMatchObject({ path: ['ignore', 0, 'rule'] });
    expect(badIgnore.error!.issues[0]!.message).toContain('unknown rule id "request-parameter-became-requird"');
    expect(badIgnore.error!.issues[0]!.message).toContain('did you mean "request-parameter-became-required"');
    const badOverride = schema.safeParse({ spec: SPEC, severityOverrides: { 'no-such-rule': 'WARN' } });
    expect(badOverride.success).toBe(false);
    expect(badOverride.error!.issues[0]).toMatchObject({ path: ['severityOverrides', 'no-such-rule'] });
    expect(badOverride.error!.issues[0]!.message).toContain('unknown rule id "no-such-rule"');
    expect(schema.safeParse({ spec: SPEC, severityOverrides: { 'api-security-scope-added': 'ERR' }, ignore: [{ rule: 'api-path-removed-without-deprecation' }] }).success).toBe(true);
    // `ignore: [{}]` used to switch the comparator off silently; now the config is refused (evaluate turns that into comparator-failed).
    await expect(run(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } }), { spec: SPEC, ignore: [{}] })).rejects.toThrow(/at least one of rule/);
  });

  it('applies config.sunsetPolicy: a newly deprecated operation must give enough notice', async () => {
    const spec = (deprecation: string) => [
      'openapi: 3.0.3',
      'info: { title: Pay, version: 1.0.0 }',
      'paths:',
      '  /payments:',
      '    get:',
      deprecation,
      '      responses:',
      "        '200': { description: ok }",
      '',
    ].join('\n');
    const changes = () => new MemoryChangeSet({ base: { [SPEC]: spec('      summary: list') }, head: { [SPEC]: spec("      deprecated: true\n      x-sunset: '2026-02-01'") } });
    const strict = await run(changes(), { spec: SPEC, sunsetPolicy: { minDaysStable: 90 } });
    expect(strict.find((f) => f.ruleId === 'api-sunset-date-too-small')).toMatchObject({ level: 'ERR', line: 7, method: 'GET', path: '/payments' });
    const lenient = await run(changes(), { spec: SPEC });
    expect(lenient.map((f) => f.ruleId)).not.toContain('api-sunset-date-too-small');
    expect(lenient.map((f) => f.ruleId)).toContain('endpoint-deprecated-with-sunset');
    const negative = openapiDiffComparator.configSchema.safeParse({ spec: SPEC, sunsetPolicy: { minDaysStable: -1 } });
    expect(negative.error!.issues[0]).toMatchObject({ path: ['sunsetPolicy', 'minDaysStable'], message: 'a number of days may not be negative' });
    expect(openapiDiffComparator.configSchema.safeParse({ spec: SPEC, sunsetPolicy: { minDays: 1 } }).success).toBe(false);
  });

  it('has a strict config schema', () => {
    expect(openapiDiffComparator.configSchema.safeParse({ spec: SPEC }).success).toBe(true);
    expect(openapiDiffComparator.configSchema.safeParse({ spec: SPEC, severityOveride: {} }).success).toBe(false);
    expect(openapiDiffComparator.configSchema.safeParse({ spec: SPEC, severityOverrides: { x: 'FATAL' } }).success).toBe(false);
    expect(openapiDiffComparator.configSchema.safeParse({}).success).toBe(false);
  });
});
