// Scoring: from (comparator severity, rule level) to a score 0-100, and from a score
// back to a severity through the pack's enforcement thresholds.
//
// The formula:
//   base(critical) = 95, base(high) = 80, base(medium) = 55, base(low) = 25, base(info) = 5
//   score(ERR,  s) = base(s)                  the comparator's severity as configured
//   score(WARN, s) = base(one step below s)   critical -> high, high -> medium, ... info -> info
//   score(INFO, s) = 5                        always informational
// and back, with the pack's thresholds (defaults 90 / 70 / 40):
//   score >= criticalThreshold -> critical
//   score >= highThreshold     -> high
//   score >= mediumThreshold   -> medium
//   score >  10                -> low
//   otherwise                  -> info
// With the default thresholds the round trip is the identity on ERR findings
// (an ERR of a `high` comparator scores 80 and is `high`); stricter thresholds demote
// them, laxer ones promote them. Fail-closed findings (unreadable spec, comparator
// crash) are scored so that they land on at least `high` whatever the thresholds.
import type { Enforcement, Pack, Severity } from '../packs/schema.js';

export type Level = 'ERR' | 'WARN' | 'INFO';

export const SEVERITY_ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export const BASE_SCORE: Readonly<Record<Severity, number>> = {
  critical: 95,
  high: 80,
  medium: 55,
  low: 25,
  info: 5,
};

/** At or below this a finding is informational whatever the thresholds. */
export const INFO_CEILING = 10;

export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}

export function atLeast(s: Severity, floor: Severity): boolean {
  return severityRank(s) >= severityRank(floor);
}

export function maxSeverity(list: Iterable<Severity>): Severity | undefined {
  let best: Severity | undefined;
  for (const s of list) if (best === undefined || severityRank(s) > severityRank(best)) best = s;
  return best;
}

function stepDown(s: Severity): Severity {
  return SEVERITY_ORDER[Math.max(0, severityRank(s) - 1)]!;
}

export function scoreFor(severity: Severity, level: Level): number {
  switch (level) {
    case 'ERR':
      return BASE_SCORE[severity];
    case 'WARN':
      return BASE_SCORE[stepDown(severity)];
    case 'INFO':
      return BASE_SCORE.info;
  }
}

type Thresholds = Pick<Enforcement, 'criticalThreshold' | 'highThreshold' | 'mediumThreshold'>;

export function severityFromScore(score: number, t: Thresholds): Severity {
  if (score >= t.criticalThreshold) return 'critical';
  if (score >= t.highThreshold) return 'high';
  if (score >= t.mediumThreshold) return 'medium';
  if (score > INFO_CEILING) return 'low';
  return 'info';
}

/** The score of a fail-closed finding: at least `high` under these thresholds, and at least the comparator's own. */
export function failClosedScore(severity: Severity, t: Thresholds): number {
  return Math.min(100, Math.max(BASE_SCORE[severity], BASE_SCORE.high, t.highThreshold));
}

/**
 * The severity at which a pack in block mode blocks: its `enforcement.blockAt` (default
 * `high`), lowered to the lowest severity any of its tiers is `requiredFor` (or that an
 * explicit `approvalChains` entry names): a chain the pack requires is always a gate.
 */
export function blockThreshold(pack: Pick<Pack, 'trackA' | 'approvalTiers' | 'approvalChains'>): Severity {
  let floor: Severity = pack.trackA?.enforcement.blockAt ?? 'high';
  const lower = (s: Severity) => {
    if (severityRank(s) < severityRank(floor)) floor = s;
  };
  for (const tier of Object.values(pack.approvalTiers)) for (const s of tier.requiredFor) lower(s);
  for (const [s, groups] of Object.entries(pack.approvalChains ?? {}) as Array<[Severity, string[][] | undefined]>) {
    if (groups?.some((g) => g.length > 0)) lower(s);
  }
  return floor;
}
