// Chain templates: which approval tiers a pull request needs, in which order.
// Pure: packs in, templates out.
//
// ## The merge rule (several packs govern one PR) — documented for the README
// 1. Each pack yields its own template for the PR's severity (`chainTemplateFor`).
// 2. Tiers are keyed by tier id AND definition. Two packs that declare the same tier id
//    with the same definition (name, users and teams compared case-insensitively as sets;
//    `requiredFor` is not part of the definition) share ONE step, and the step lists both
//    pack ids. Packs that reuse a tier id with a DIFFERENT definition get separate steps:
//    the first keeps the plain id, later ones are named `tierId@packId`. So no pack's
//    requirement is ever satisfied by approvers that another pack added — the merge never
//    widens who may approve a pack's tier.
// 3. Groups are merged by position: group i of the merged chain is the union of group i
//    of every template. A tier that several templates place at different positions
//    appears once, at the LATEST position any of them gives it (it is never asked
//    earlier than some pack wants it). Empty groups are dropped.
// 4. Order inside a group: first appearance, templates in the order given.
// 5. Options (`mergeOptions`) are merged conservatively: invalidateOnPush if any pack
//    says so, allowAuthor only if every pack allows it, distinctApprovers if any pack
//    asks for it, changesRequested = reject if any pack says reject.
import type { ApprovalOptions, ApprovalTier, Pack, Severity } from '../packs/schema.js';
import { sha256Hex } from '../canonical.js';

export interface TemplateTier {
  tierId: string;
  tier: ApprovalTier;
  packIds: string[];
}

export interface ChainTemplate {
  /** Groups run in order; the tiers of one group are approved in parallel. */
  groups: TemplateTier[][];
}

export const DEFAULT_APPROVAL_OPTIONS: ApprovalOptions = {
  invalidateOnPush: true,
  allowAuthor: false,
  distinctApprovers: true,
  changesRequested: 'reject',
};

export type TemplatePack = Pick<Pack, 'id' | 'approvalTiers'> & Partial<Pick<Pack, 'approvalChains'>>;

/**
 * The chain one pack requires for a severity: the explicit `approvalChains[severity]`
 * when the pack gives one, otherwise every tier whose `requiredFor` lists the severity,
 * in declared order, one sequential step each.
 */
export function chainTemplateFor(pack: TemplatePack, severity: Severity): ChainTemplate {
  const explicit = pack.approvalChains?.[severity];
  if (explicit !== undefined) {
    const groups = explicit.map((group) =>
      group.map((tierId) => {
        const tier = pack.approvalTiers[tierId];
        // The schema rejects unknown tiers; a hand-built pack that slips one through fails closed.
        if (tier === undefined) throw new Error(`pack ${pack.id}: approval chain names unknown tier "${tierId}"`);
        return { tierId, tier, packIds: [pack.id] };
      }),
    );
    return { groups: groups.filter((g) => g.length > 0) };
  }
  const groups: TemplateTier[][] = [];
  for (const [tierId, tier] of Object.entries(pack.approvalTiers)) {
    if (tier.requiredFor.includes(severity)) groups.push([{ tierId, tier, packIds: [pack.id] }]);
  }
  return { groups };
}

function definitionKey(tier: ApprovalTier): string {
  const norm = (xs: string[]) => [...new Set(xs.map((x) => x.toLowerCase()))].sort();
  return JSON.stringify([tier.name, norm(tier.users), norm(tier.teams)]);
}

/** The union of several templates, by the rule at the top of this file. */
export function mergeTemplates(templates: ChainTemplate[]): ChainTemplate {
  interface Slot {
    tierId: string;
    tier: ApprovalTier;
    packIds: string[];
    position: number;
    order: number;
  }
  const byDefinition = new Map<string, Slot>(); // `${baseId}\n${definition}` -> slot
  const usedIds = new Set<string>();
  let order = 0;
  for (const template of templates) {
    template.groups.forEach((group, position) => {
      for (const entry of group) {
        const key = `${entry.tierId}\n${definitionKey(entry.tier)}`;
        const existing = byDefinition.get(key);
        if (existing) {
          for (const p of entry.packIds) if (!existing.packIds.includes(p)) existing.packIds.push(p);
          existing.position = Math.max(existing.position, position);
          continue;
        }
        let tierId = entry.tierId;
        if (usedIds.has(tierId)) tierId = `${entry.tierId}@${entry.packIds.join('+')}`;
        for (let n = 2; usedIds.has(tierId); n++) tierId = `${entry.tierId}@${entry.packIds.join('+')}-${n}`;
        usedIds.add(tierId);
        byDefinition.set(key, { tierId, tier: entry.tier, packIds: [...entry.packIds], position, order: order++ });
      }
    });
  }
  const slots = [...byDefinition.values()];
  const positions = [...new Set(slots.map((s) => s.position))].sort((a, b) => a - b);
  return {
    groups: positions.map((p) =>
      slots
        .filter((s) => s.position === p)
        .sort((a, b) => a.order - b.order)
        .map(({ tierId, tier, packIds }) => ({ tierId, tier, packIds })),
    ),
  };
}

/** Options of several packs, merged conservatively (see the rule at the top of this file). */
export function mergeOptions(options: ApprovalOptions[]): ApprovalOptions {
  if (options.length === 0) return { ...DEFAULT_APPROVAL_OPTIONS };
  return {
    invalidateOnPush: options.some((o) => o.invalidateOnPush),
    allowAuthor: options.every((o) => o.allowAuthor),
    distinctApprovers: options.some((o) => o.distinctApprovers),
    changesRequested: options.some((o) => o.changesRequested === 'reject') ? 'reject' : 'ignore',
  };
}

export interface RequiredChain {
  template: ChainTemplate;
  options: ApprovalOptions;
}

/** Several packs' chains as one: templates merged by tier; only packs that require a chain contribute options. */
export function combineChains(required: RequiredChain[]): RequiredChain {
  const requiring = required.filter((r) => r.template.groups.length > 0);
  return {
    template: mergeTemplates(requiring.map((r) => r.template)),
    // None requiring -> the defaults.
    options: mergeOptions(requiring.map((r) => r.options)),
  };
}

/** The merged template and options of the packs that govern a PR, for a severity. */
export function templateForPacks(
  packs: Array<TemplatePack & Pick<Pack, 'approvalOptions'>>,
  severity: Severity | undefined,
): RequiredChain {
  if (severity === undefined) return combineChains([]);
  return combineChains(packs.map((p) => ({ template: chainTemplateFor(p, severity), options: p.approvalOptions })));
}

/** Identifies a template: tiers (with who may approve) and their grouping. */
export function templateHash(template: ChainTemplate): string {
  const canon = template.groups.map((g) =>
    g.map((t) => [t.tierId, t.tier.name, [...t.tier.users].map((u) => u.toLowerCase()).sort(), [...t.tier.teams].map((u) => u.toLowerCase()).sort()]),
  );
  return sha256Hex(JSON.stringify(canon));
}
