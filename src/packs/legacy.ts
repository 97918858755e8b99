// The legacy models (ContractPack for Track A, DriftPlan for Track B) <-> unified packs.
//
// Each legacy record becomes one pack. What has a home in the unified model goes there
// (name, scope, comparators, artifacts, primary doc, drift types, materiality...); the
// rest, and whatever differs from what the unified fields give back, is kept verbatim in
// the pack's `legacy` block as a *residue*. The adapters rebuild the old record from the
// unified fields and overlay the residue, so legacy -> pack -> legacy loses nothing, by
// construction: the residue is computed as the difference between the record and what the
// adapter rebuilds without it.
import type { Comparator, DriftType, Pack, PackInput } from './schema.js';
import { PackId, PrimaryDoc, OUTPUT_KINDS, Materiality } from './schema.js';

/** A ContractPack row as exported (Prisma JSON fields as JSON). */
export interface LegacyContractPack {
  workspaceId: string;
  id: string;
  version: string;
  name: string;
  description: string | null;
  contracts: LegacyContract[];
  dictionaries: unknown;
  extraction: unknown;
  safety: unknown;
  createdAt: string;
  updatedAt: string;
  [extra: string]: unknown;
}

export interface LegacyContract {
  contractId?: string;
  name?: string;
  artifacts?: Array<Record<string, unknown>>;
  invariants?: Array<Record<string, unknown>>;
  enforcement?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** A DriftPlan row as exported. */
export interface LegacyDriftPlan {
  workspaceId: string;
  id: string;
  name: string;
  description: string | null;
  status: string;
  scopeType: string;
  scopeRef: string | null;
  primaryDocId: string | null;
  primaryDocSystem: string | null;
  docClass: string | null;
  inputSources: string[];
  driftTypes: string[];
  allowedOutputs: string[];
  thresholds: unknown;
  eligibility: unknown;
  sectionTargets: unknown;
  impactRules: unknown;
  writeback: unknown;
  createdAt: string;
  updatedAt: string;
  [extra: string]: unknown;
}

export interface LegacyExport {
  contractPacks: LegacyContractPack[];
  driftPlans: LegacyDriftPlan[];
}

/** A pack (as written to YAML, without defaults) or a validated pack: the adapters accept both. */
type PackLike = PackInput | Pack;

// ---------------------------------------------------------------------------------------
// Type names: legacy -> unified. The reverse is the first legacy name of each unified name.

export const LEGACY_COMPARATOR_TYPES: Readonly<Record<string, string>> = {
  openapi_breaking_changes: 'openapi.diff',
  openapi_diff: 'openapi.diff',
  openapi_version_bump: 'openapi.version_bump',
  version_bump: 'openapi.version_bump',
  changelog_required: 'changelog.updated',
  changelog_updated: 'changelog.updated',
  path_coupling: 'path.coupling',
};
export const LEGACY_DRIFT_TYPES: Readonly<Record<string, string>> = {
  instruction: 'instruction',
  api_reference: 'api_reference',
  api: 'api_reference',
  environment: 'env_var',
  env_var: 'env_var',
  ownership: 'owner',
  owner: 'owner',
};
export const LEGACY_OUTPUTS: Readonly<Record<string, string>> = {
  github_pr: 'remediation_pr',
  remediation_pr: 'remediation_pr',
  digest: 'digest_issue',
  digest_issue: 'digest_issue',
  pr_comment: 'comment',
  comment: 'comment',
  slack: 'slack',
  webhook: 'webhook',
};

function reverse(map: Readonly<Record<string, string>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [legacy, unified] of Object.entries(map)) if (!out.has(unified)) out.set(unified, legacy);
  return out;
}
const COMPARATOR_TO_LEGACY = reverse(LEGACY_COMPARATOR_TYPES);
const DRIFT_TO_LEGACY = reverse(LEGACY_DRIFT_TYPES);
const OUTPUT_TO_LEGACY = reverse(LEGACY_OUTPUTS);

// ---------------------------------------------------------------------------------------
// Residues: what the unified fields cannot give back.

const ABSENT = '$absent';

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * What `original` has that `rebuilt` does not give back: differing members (objects are
 * diffed member by member, anything else replaced), and under "$absent" the members the
 * rebuild adds that the original lacks. undefined when nothing is needed.
 */
export function residueOf(original: Record<string, unknown>, rebuilt: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(original)) {
    if (v === undefined || deepEqual(v, rebuilt[k])) continue;
    const r = rebuilt[k];
    out[k] = isObj(v) && isObj(r) ? (residueOf(v, r) ?? {}) : v;
  }
  const absent = Object.keys(rebuilt).filter((k) => rebuilt[k] !== undefined && !(k in original && original[k] !== undefined));
  if (absent.length > 0) out[ABSENT] = absent;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Overlays a residue on a rebuilt record (the inverse of residueOf). */
export function applyResidue<T extends Record<string, unknown>>(rebuilt: T, residue: unknown): T {
  if (!isObj(residue)) return rebuilt;
  const out: Record<string, unknown> = { ...rebuilt };
  for (const [k, v] of Object.entries(residue)) {
    if (k === ABSENT) continue;
    out[k] = isObj(v) && isObj(out[k]) ? applyResidue(out[k] as Record<string, unknown>, v) : v;
  }
  const absent = residue[ABSENT];
  if (Array.isArray(absent)) for (const k of absent) delete out[String(k)];
  return out as T;
}

// ---------------------------------------------------------------------------------------
// Ids

export function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 56)
      .replace(/-+$/g, '') || 'pack'
  );
}

/** A readable pack id from the record's name, unique within `taken` (which it extends). */
export function allocateId(name: string, fallback: string, taken: Set<string>): string {
  let base = slugify(name);
  if (!PackId.safeParse(base).success) base = slugify(fallback);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

// ---------------------------------------------------------------------------------------
// ContractPack <-> pack

export interface MigrateOptions {
  /** Pack ids already in use (extended with the new one). */
  takenIds?: Set<string>;
}

export function fromContractPack(cp: LegacyContractPack, options: MigrateOptions = {}): PackInput {
  const id = allocateId(cp.name, cp.id, options.takenIds ?? new Set());
  const contracts = Array.isArray(cp.contracts) ? cp.contracts : [];
  const comparators: Array<Record<string, unknown>> = [];
  const artifacts: Array<{ type: string; path: string }> = [];
  let block = false;
  for (const c of contracts) {
    for (const inv of arrayOf(c.invariants)) comparators.push(invariantToComparator(inv));
    for (const a of arrayOf(c.artifacts)) {
      const art = artifactOf(a);
      if (art) artifacts.push(art);
    }
    if (isObj(c.enforcement) && (c.enforcement.blockOnFail === true || c.enforcement.mode === 'block')) block = true;
  }
  const pack: PackInput = {
    id,
    name: cp.name,
    ...(typeof cp.description === 'string' ? { description: cp.description } : {}),
    status: 'active',
    scope: { type: 'workspace' },
    trackA: {
      enabled: true,
      comparators: comparators as never,
      enforcement: { mode: block ? 'block' : 'warn' },
      artifacts,
    },
  };
  // The residue: the record minus what the adapter rebuilds from the unified fields.
  const rebuilt = rebuildContractPack(pack, undefined);
  const top = residueOf(omit(cp, ['contracts']), omit(rebuilt, ['contracts'])) ?? {};
  const residue: Record<string, unknown> = { ...top };
  if (Array.isArray(cp.contracts)) {
    let ci = 0;
    let ai = 0;
    residue.contracts = contracts.map((c) => {
      const invs = arrayOf(c.invariants).map((inv) => residueOf(inv, invariantFromComparator(comparators[ci++] as Comparator)) ?? {});
      const arts = arrayOf(c.artifacts).map((a) => {
        const art = artifactOf(a) ? artifacts[ai++]! : undefined;
        return art ? (residueOf(a, artifactFromUnified(art)) ?? {}) : { ...a, [UNMAPPED]: true };
      });
      const rest = omit(c, ['invariants', 'artifacts']);
      return {
        ...rest,
        ...(Array.isArray(c.invariants) ? { invariants: invs } : c.invariants !== undefined ? { invariants: c.invariants } : {}),
        ...(Array.isArray(c.artifacts) ? { artifacts: arts } : c.artifacts !== undefined ? { artifacts: c.artifacts } : {}),
      };
    });
  } else {
    residue.contracts = { [RAW]: cp.contracts };
  }
  pack.legacy = { contractPack: residue };
  return pack;
}

const UNMAPPED = '$unmapped';
const RAW = '$raw';

export interface RebuildOptions {
  /** For packs that never were a legacy record. */
  workspaceId?: string;
  now?: Date;
}

/** The legacy ContractPack of a pack, or undefined when the pack has no Track A side. */
export function toContractPack(pack: PackLike, options: RebuildOptions = {}): LegacyContractPack | undefined {
  const residue = pack.legacy?.contractPack;
  if (!residue && !pack.trackA) return undefined;
  return rebuildContractPack(pack, residue, options);
}

function rebuildContractPack(pack: PackLike, residue: Record<string, unknown> | undefined, options: RebuildOptions = {}): LegacyContractPack {
  const now = (options.now ?? new Date(0)).toISOString();
  const contracts = rebuildContracts(pack, residue?.contracts);
  const base: LegacyContractPack = {
    workspaceId: options.workspaceId ?? '',
    id: pack.id,
    version: 'v1',
    name: pack.name,
    description: pack.description ?? null,
    contracts,
    dictionaries: {},
    extraction: {},
    safety: {},
    createdAt: now,
    updatedAt: now,
  };
  if (!residue) return base;
  return { ...applyResidue(base as unknown as Record<string, unknown>, omit(residue, ['contracts'])), contracts } as LegacyContractPack;
}

/** The contracts of the legacy record: kept raw, rebuilt over their residue, or made from the pack alone. */
function rebuildContracts(pack: PackLike, rc: unknown): LegacyContract[] {
  const comparators = (pack.trackA?.comparators ?? []) as Comparator[];
  const artifacts = pack.trackA?.artifacts ?? [];
  if (isObj(rc) && RAW in rc) return rc[RAW] as LegacyContract[];
  if (Array.isArray(rc)) return contractsOverResidue(pack, rc as Record<string, unknown>[], comparators, artifacts);
  if (comparators.length + artifacts.length === 0) return [];
  return [
    {
      contractId: pack.id,
      name: pack.name,
      artifacts: artifacts.map(artifactFromUnified),
      invariants: comparators.map((c, i) => ({ invariantId: `${c.type}-${i + 1}`, ...invariantFromComparator(c) })),
      enforcement: { mode: 'pr_gate', blockOnFail: pack.trackA?.enforcement?.mode === 'block' },
    },
  ];
}

type Artifact = NonNullable<NonNullable<PackLike['trackA']>['artifacts']>[number];

/** Each residue contract takes the pack's comparators and artifacts back in order; what YAML added since joins the last. */
function contractsOverResidue(pack: PackLike, rc: Record<string, unknown>[], comparators: Comparator[], artifacts: Artifact[]): LegacyContract[] {
  let ci = 0;
  let ai = 0;
  const contracts = rc.map((c) => {
    const out: Record<string, unknown> = { ...omit(c, ['invariants', 'artifacts']) };
    if (Array.isArray(c.invariants)) {
      out.invariants = c.invariants
        .map((r: unknown) => {
          const comp = comparators[ci++];
          return comp ? applyResidue(invariantFromComparator(comp), r) : undefined;
        })
        .filter((x) => x !== undefined);
    } else if (c.invariants !== undefined) out.invariants = c.invariants;
    if (Array.isArray(c.artifacts)) {
      out.artifacts = c.artifacts
        .map((r: unknown) => {
          if (isObj(r) && r[UNMAPPED] === true) return omit(r, [UNMAPPED]);
          const art = artifacts[ai++];
          return art ? applyResidue(artifactFromUnified(art), r) : undefined;
        })
        .filter((x) => x !== undefined);
    } else if (c.artifacts !== undefined) out.artifacts = c.artifacts;
    return out as LegacyContract;
  });
  // Comparators and artifacts added in YAML after the migration join the last contract.
  const extraInvariants = comparators.slice(ci).map((c, k) => ({ invariantId: `${c.type}-${ci + k + 1}`, ...invariantFromComparator(c) }));
  const extraArtifacts = artifacts.slice(ai).map(artifactFromUnified);
  if (extraInvariants.length + extraArtifacts.length > 0) {
    if (contracts.length === 0) contracts.push({ contractId: pack.id, name: pack.name, artifacts: [], invariants: [] });
    const last = contracts[contracts.length - 1]!;
    last.invariants = [...arrayOf(last.invariants), ...extraInvariants];
    last.artifacts = [...arrayOf(last.artifacts), ...extraArtifacts];
  }
  return contracts;
}

function invariantToComparator(inv: Record<string, unknown>): Record<string, unknown> {
  const legacyType = typeof inv.comparatorType === 'string' ? inv.comparatorType : typeof inv.type === 'string' ? inv.type : 'unknown';
  const out: Record<string, unknown> = { type: LEGACY_COMPARATOR_TYPES[legacyType] ?? legacyType };
  if (inv.enabled === false) out.enabled = false;
  if (typeof inv.severity === 'string') out.severity = inv.severity;
  if (isObj(inv.config) && Object.keys(inv.config).length > 0) out.config = inv.config;
  return out;
}

function invariantFromComparator(c: Comparator | Record<string, unknown>): Record<string, unknown> {
  const type = String(c.type);
  const out: Record<string, unknown> = {
    comparatorType: COMPARATOR_TO_LEGACY.get(type) ?? type,
    enabled: c.enabled ?? true,
    config: c.config ?? {},
  };
  if (c.severity !== undefined) out.severity = c.severity;
  return out;
}

function artifactOf(a: Record<string, unknown>): { type: string; path: string } | undefined {
  const path = isObj(a.locator) && typeof a.locator.path === 'string' ? a.locator.path : typeof a.path === 'string' ? a.path : undefined;
  if (typeof a.type !== 'string' || a.type.length === 0 || path === undefined || path.length === 0) return undefined;
  return { type: a.type, path };
}

function artifactFromUnified(a: { type: string; path: string }): Record<string, unknown> {
  return { type: a.type, locator: { path: a.path } };
}

// ---------------------------------------------------------------------------------------
// DriftPlan <-> pack

const DEFAULT_MATERIALITY = { autoApprove: 0.98, notify: 0.4, digestOnly: 0.3, ignore: 0.2 };

export function fromDriftPlan(dp: LegacyDriftPlan, options: MigrateOptions = {}): PackInput {
  const id = allocateId(dp.name, dp.id, options.takenIds ?? new Set());
  const status = (['active', 'draft', 'archived'] as const).find((s) => s === dp.status) ?? 'draft';
  const scopeType = (['workspace', 'service', 'repo'] as const).find((s) => s === dp.scopeType);
  const scope =
    scopeType && scopeType !== 'workspace' && dp.scopeRef
      ? { type: scopeType, ref: dp.scopeRef }
      : { type: 'workspace' as const };

  const sectionTargets = isObj(dp.sectionTargets) ? dp.sectionTargets : {};
  const driftTypes: Array<Record<string, unknown>> = [];
  for (const t of arrayOf(dp.driftTypes)) {
    const unified = LEGACY_DRIFT_TYPES[String(t)];
    if (!unified || driftTypes.some((d) => d.type === unified)) continue;
    const target = sectionTargets[String(t)];
    driftTypes.push({ type: unified, ...(typeof target === 'string' && target.length > 0 ? { sectionTarget: target } : {}) });
  }
  const outputs = [...new Set(arrayOf(dp.allowedOutputs).map((o) => LEGACY_OUTPUTS[String(o)]).filter((o): o is string => o !== undefined))];

  const doc = { system: dp.primaryDocSystem, id: dp.primaryDocId ?? undefined, ...(dp.docClass ? { class: dp.docClass } : {}) };
  const trackB: NonNullable<PackInput['trackB']> = {
    enabled: true,
    ...(PrimaryDoc.safeParse(doc).success ? { primaryDoc: doc as NonNullable<PackInput['trackB']>['primaryDoc'] } : {}),
    inputSources: (Array.isArray(dp.inputSources) ? (dp.inputSources as unknown[]) : [])
      .filter((s): s is string => typeof s === 'string' && s.length > 0)
      .map((type) => ({ type })),
    driftTypes: driftTypes as never,
    allowedOutputs: outputs.filter((o): o is (typeof OUTPUT_KINDS)[number] => (OUTPUT_KINDS as readonly string[]).includes(o)),
  };
  const materiality = materialityOf(dp.thresholds);
  if (materiality) trackB.materiality = materiality;

  const pack: PackInput = {
    id,
    name: dp.name,
    ...(typeof dp.description === 'string' ? { description: dp.description } : {}),
    status,
    scope,
    trackB,
  };
  const residue = residueOf(dp, rebuildDriftPlan(pack, undefined) as unknown as Record<string, unknown>) ?? {};
  pack.legacy = { driftPlan: residue };
  return pack;
}

function materialityOf(thresholds: unknown): Record<string, number> | undefined {
  if (!isObj(thresholds)) return undefined;
  const pick: Record<string, number> = {};
  const from: Record<string, string> = { autoApprove: 'autoApprove', slackNotify: 'notify', notify: 'notify', digestOnly: 'digestOnly', ignore: 'ignore' };
  for (const [legacyKey, key] of Object.entries(from)) {
    const v = thresholds[legacyKey];
    if (typeof v === 'number' && pick[key] === undefined) pick[key] = v;
  }
  if (Object.keys(pick).length === 0) return undefined;
  return Materiality.safeParse(pick).success ? pick : undefined;
}

/** The legacy DriftPlan of a pack, or undefined when the pack has no Track B side. */
export function toDriftPlan(pack: PackLike, options: RebuildOptions = {}): LegacyDriftPlan | undefined {
  const residue = pack.legacy?.driftPlan;
  if (!residue && !pack.trackB) return undefined;
  return rebuildDriftPlan(pack, residue, options);
}

function rebuildDriftPlan(pack: PackLike, residue: Record<string, unknown> | undefined, options: RebuildOptions = {}): LegacyDriftPlan {
  const now = (options.now ?? new Date(0)).toISOString();
  const b = pack.trackB;
  const driftTypes = ((b?.driftTypes ?? []) as DriftType[]).filter((d) => d.enabled !== false);
  const sectionTargets: Record<string, unknown> = {};
  for (const d of driftTypes) if (d.sectionTarget !== undefined) sectionTargets[DRIFT_TO_LEGACY.get(d.type) ?? d.type] = d.sectionTarget;
  const m = { ...DEFAULT_MATERIALITY, ...(b?.materiality ?? {}) };
  const base: LegacyDriftPlan = {
    workspaceId: options.workspaceId ?? '',
    id: pack.id,
    name: pack.name,
    description: pack.description ?? null,
    status: pack.status ?? 'active',
    scopeType: pack.scope.type,
    scopeRef: pack.scope.ref ?? null,
    primaryDocId: b?.primaryDoc?.id ?? b?.primaryDoc?.path ?? null,
    primaryDocSystem: b?.primaryDoc?.system ?? null,
    docClass: b?.primaryDoc?.class ?? null,
    inputSources: (b?.inputSources ?? []).filter((s) => s.enabled !== false).map((s) => s.type),
    driftTypes: driftTypes.map((d) => DRIFT_TO_LEGACY.get(d.type) ?? d.type),
    allowedOutputs: (b?.allowedOutputs ?? ['remediation_pr', 'digest_issue']).map((o) => OUTPUT_TO_LEGACY.get(o) ?? o),
    thresholds: { autoApprove: m.autoApprove, slackNotify: m.notify, digestOnly: m.digestOnly, ignore: m.ignore },
    eligibility: {},
    sectionTargets,
    impactRules: {},
    writeback: {},
    createdAt: now,
    updatedAt: now,
  };
  return residue ? applyResidue(base as unknown as Record<string, unknown>, residue) as LegacyDriftPlan : base;
}

// ---------------------------------------------------------------------------------------

function arrayOf(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [];
}

function omit(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
  return out;
}
