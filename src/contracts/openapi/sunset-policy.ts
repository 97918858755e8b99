// A minimum deprecation period: when an operation, a parameter or a property is newly
// deprecated, its x-sunset date must be given and lie far enough ahead for clients to
// migrate. The period depends on the element's x-stability-level (none for draft and alpha,
// a beta one, a stable one); with no period configured (the default) nothing is required.
import { STABILITY_LEVELS, stabilityOf, sunsetOf } from './context.js';
import type { SunsetPolicy } from './types.js';

export type DeprecatedElement = 'operation' | 'parameter' | 'request-property' | 'response-property';

/** The catalogue's ids, per element. */
const POLICY_IDS: Readonly<Record<DeprecatedElement, { readonly missing: string; readonly tooSoon: string }>> = {
  operation: { missing: 'api-deprecated-sunset-missing', tooSoon: 'api-sunset-date-too-small' },
  parameter: { missing: 'request-parameter-deprecated-sunset-missing', tooSoon: 'request-parameter-sunset-date-too-small' },
  'request-property': { missing: 'request-property-deprecated-sunset-missing', tooSoon: 'request-property-sunset-date-too-small' },
  'response-property': { missing: 'response-property-deprecated-sunset-missing', tooSoon: 'response-property-sunset-date-too-small' },
};

export const SUNSET_POLICY_IDS: readonly string[] = Object.values(POLICY_IDS).flatMap((ids) => [ids.missing, ids.tooSoon]);

const DAY_MS = 24 * 60 * 60 * 1000;

export interface PolicyViolation {
  readonly id: string;
  readonly detail: string;
  /** The key of the element to point at. */
  readonly key: 'deprecated' | 'x-sunset';
}

/** Days of notice an element of this stability needs (its own x-stability-level, else `inherited`). */
function noticeDays(policy: SunsetPolicy, node: unknown, inherited: unknown): { days: number; level: string } {
  const rank = stabilityOf(node) ?? stabilityOf(inherited);
  const level = rank === undefined || rank < 0 ? 'stable' : STABILITY_LEVELS[rank]!;
  if (level === 'draft' || level === 'alpha') return { days: 0, level };
  if (level === 'beta') return { days: policy.minDaysBeta ?? 0, level };
  return { days: policy.minDaysStable ?? 0, level };
}

/**
 * Checks an element that became deprecated in head against the policy; `inherited` is the
 * owner whose x-stability-level applies when the element has none (the operation).
 */
export function checkNewDeprecation(element: DeprecatedElement, node: unknown, now: Date, policy: SunsetPolicy, inherited?: unknown): PolicyViolation | undefined {
  const { days, level } = noticeDays(policy, node, inherited);
  if (days <= 0) return undefined;
  const ids = POLICY_IDS[element];
  const sunset = sunsetOf(node);
  if (sunset === undefined) {
    return { id: ids.missing, key: 'deprecated', detail: `was deprecated without an x-sunset date; a ${level} element needs at least ${days} days of notice, so clients know when it goes` };
  }
  if (sunset === null) return undefined; // reported as unparsable by the family itself
  const earliest = new Date(now.getTime() + days * DAY_MS);
  if (sunset.getTime() >= earliest.getTime()) return undefined;
  const left = Math.floor((sunset.getTime() - now.getTime()) / DAY_MS);
  return {
    id: ids.tooSoon,
    key: 'x-sunset',
    detail: `was deprecated with sunset ${sunset.toISOString().slice(0, 10)}, ${left} days away; a ${level} element needs at least ${days} days of notice (not before ${earliest.toISOString().slice(0, 10)})`,
  };
}
