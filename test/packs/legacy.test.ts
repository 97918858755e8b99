import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  fromContractPack,
  fromDriftPlan,
  toContractPack,
  toDriftPlan,
  type LegacyContractPack,
  type LegacyDriftPlan,
} from '../../src/packs/legacy.js';
import { renderPackYaml } from '../../src/packs/render.js';
import { validatePackFile } from '../../src/packs/validate.js';
import type { ValidPack } from '../../src/packs/types.js';
import { known } from './known.js';

const contractPacks: LegacyContractPack[] = JSON.parse(readFileSync('fixtures/legacy/contract-packs.json', 'utf8'));
const driftPlans: LegacyDriftPlan[] = JSON.parse(readFileSync('fixtures/legacy/drift-plans.json', 'utf8'));

function throughYaml(pack: ReturnType<typeof fromContractPack>): ValidPack {
  const text = renderPackYaml(pack, { schemaRef: '../schema/policy-pack.schema.json' });
  expect(text.startsWith('# yaml-language-server: $schema=../schema/policy-pack.schema.json\n')).toBe(true);
  const loaded = validatePackFile(`${pack.id}.yml`, text, known);
  if (!loaded.valid) throw new Error(`migrated pack invalid:\n${loaded.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n')}\n${text}`);
  return loaded;
}

describe('legacy ContractPack -> pack -> ContractPack', () => {
  it.each(contractPacks.map((c) => [c.name, c] as const))('%s: round trip through YAML loses no field', (_name, record) => {
    const pack = fromContractPack(record);
    const loaded = throughYaml(pack);
    expect(toContractPack(loaded.pack)).toEqual(record);
    expect(toContractPack(pack)).toEqual(record);
    expect(toDriftPlan(loaded.pack)).toBeUndefined();
  });

  it('maps invariants to comparators, artifacts, enforcement, with readable ids', () => {
    const pack = fromContractPack(contractPacks[0]!);
    expect(pack.id).toBe('payments-api-contracts');
    expect(pack.scope).toEqual({ type: 'workspace' });
    expect(pack.trackA?.comparators?.map((c) => [c.type, c.severity])).toEqual([
      ['openapi.diff', 'high'],
      ['openapi.version_bump', 'high'],
      ['changelog.updated', 'medium'],
    ]);
    expect(pack.trackA?.enforcement?.mode).toBe('block');
    expect(pack.trackA?.artifacts).toEqual([
      { type: 'openapi_spec', path: 'openapi/openapi.yaml' },
      { type: 'api_docs', path: 'docs/api/payments.md' },
    ]);
    expect(pack.legacy?.contractPack).toMatchObject({ workspaceId: 'ws_7f3c2a9e', version: 'v3', safety: { dryRunFirst: true } });
  });

  it('an edit made in YAML after the migration shows in the rolled-back record', () => {
    const pack = fromContractPack(contractPacks[1]!);
    const loaded = throughYaml(pack);
    loaded.pack.trackA!.comparators[1]!.enabled = true;
    loaded.pack.trackA!.comparators[0]!.severity = 'high';
    const back = toContractPack(loaded.pack)!;
    expect(back.contracts[0]!.invariants!.map((i) => [i.invariantId, i.enabled, i.severity])).toEqual([
      ['tf-needs-docs', true, 'high'],
      ['k8s-needs-runbook', true, 'low'],
    ]);
  });
});

describe('legacy DriftPlan -> pack -> DriftPlan', () => {
  it.each(driftPlans.map((d) => [d.name, d] as const))('%s: round trip through YAML loses no field', (_name, record) => {
    const pack = fromDriftPlan(record);
    const loaded = throughYaml(pack);
    expect(toDriftPlan(loaded.pack)).toEqual(record);
    expect(toDriftPlan(pack)).toEqual(record);
    expect(toContractPack(loaded.pack)).toBeUndefined();
  });

  it('maps scope, primary doc, drift types with section targets, outputs and materiality', () => {
    const pack = fromDriftPlan(driftPlans[0]!);
    expect(pack.scope).toEqual({ type: 'service', ref: 'payment-service' });
    expect(pack.trackB?.primaryDoc).toEqual({ system: 'confluence', id: '884736', class: 'runbook' });
    expect(pack.trackB?.driftTypes).toEqual([
      { type: 'instruction', sectionTarget: 'Deployment Steps' },
      { type: 'owner', sectionTarget: 'On-call' },
      { type: 'env_var' },
    ]);
    expect(pack.trackB?.allowedOutputs).toEqual(['remediation_pr', 'slack']);
    expect(pack.trackB?.materiality).toEqual({ autoApprove: 0.98, notify: 0.4, digestOnly: 0.3, ignore: 0.2 });
    const legacy = pack.legacy?.driftPlan as Record<string, unknown>;
    expect(legacy.eligibility).toEqual(driftPlans[0]!.eligibility);
    expect(legacy.impactRules).toEqual(driftPlans[0]!.impactRules);
    expect(legacy.writeback).toEqual(driftPlans[0]!.writeback);
    expect(legacy.thresholds).toEqual({ minConfidence: 0.55 });
  });

  it('a status the unified model lacks becomes draft (not applied), and comes back', () => {
    const pack = fromDriftPlan(driftPlans[1]!);
    expect(pack.status).toBe('draft');
    expect(toDriftPlan(throughYaml(pack).pack)!.status).toBe('paused');
  });

  it('ids stay unique across records with the same name', () => {
    const taken = new Set<string>();
    const a = fromContractPack({ ...contractPacks[2]!, name: 'Payments' }, { takenIds: taken });
    const b = fromDriftPlan({ ...driftPlans[2]!, name: 'Payments' }, { takenIds: taken });
    expect([a.id, b.id]).toEqual(['payments', 'payments-2']);
  });
});

describe('native packs', () => {
  it('a pack that never was legacy still gives both old shapes', () => {
    const text = readFileSync('policy-packs/payments-api.yml', 'utf8');
    const loaded = validatePackFile('payments-api.yml', text, known);
    if (!loaded.valid) throw new Error('invalid');
    const cp = toContractPack(loaded.pack, { workspaceId: 'ws_1', now: new Date('2026-01-01T00:00:00Z') })!;
    expect(cp.contracts[0]!.invariants!.map((i) => i.comparatorType)).toEqual(['openapi_breaking_changes', 'openapi_version_bump', 'changelog_required']);
    expect(cp.workspaceId).toBe('ws_1');
    const dp = toDriftPlan(loaded.pack)!;
    expect(dp).toMatchObject({ scopeType: 'service', scopeRef: 'payment-service', primaryDocSystem: 'github', primaryDocId: 'runbooks/payments.md', docClass: 'runbook' });
    expect(dp.sectionTargets).toEqual({ instruction: 'Deployment Steps' });
  });
});
