// Materiality: how much a drift item matters, and where it goes. Pure.
//
//   score = confidence × changeWeight × docWeight        (rounded to 3 decimals)
//
//   changeWeight: breaking 1.0 · behavioral 0.75 · additive 0.5 · cosmetic 0.2
//   docWeight:    runbook 1.0 · api_reference 0.95 · readme and anything else 0.85
//
// Worked examples (default thresholds autoApprove 0.98, notify 0.40, digestOnly 0.30, ignore 0.20):
//   - a removed npm script the runbook uses (breaking, runbook, 0.9)      -> 0.900 notify
//   - the API reference section regenerated (breaking, api_reference, 1.0) -> 0.950 notify
//   - the same on a runbook (breaking, runbook, 1.0)                       -> 1.000 auto
//   - a renamed script (behavioral, runbook, 0.95)                         -> 0.712 notify
//   - a new env var in a README table (additive, readme, 0.9)              -> 0.383 digest
//   - a documented env var gone (behavioral, readme, 0.7) ... 0.446 notify; on an "other" doc
//     with confidence 0.45: 0.287 -> below digest
//   - a cosmetic change (cosmetic, readme, 1.0)                            -> 0.170 ignore
//
// Bands, from the pack's thresholds (each bound inclusive from below):
//   auto     score >= autoApprove   remediation released without a human step
//   notify   score >= notify        remediation proposed; the approvers of the item's tier asked
//   digest   score >= digestOnly    listed in the digest issue only
//   below    score >= ignore        "below digest": no remediation and no digest entry of its
//                                   own, but listed in the digest's collapsed "below the digest
//                                   threshold" section and in the drift check, so it is visible
//                                   and can be ticked into a remediation by hand
//   ignore   score <  ignore        dropped; the caller audits it
// Problem items (the detector could not look) always go to `digest`: bad input is shown,
// and there is nothing to remediate.
import type { Materiality, Severity } from '../packs/schema.js';
import { isProblem, type ChangeClass, type DriftItem } from './item.js';

export const CHANGE_WEIGHT: Readonly<Record<ChangeClass, number>> = { breaking: 1, behavioral: 0.75, additive: 0.5, cosmetic: 0.2 };
export const DOC_WEIGHT: Readonly<Record<string, number>> = { runbook: 1, api_reference: 0.95 };
export const OTHER_DOC_WEIGHT = 0.85;

export type Band = 'auto' | 'notify' | 'digest' | 'below' | 'ignore';
export const BANDS: readonly Band[] = ['auto', 'notify', 'digest', 'below', 'ignore'];

export function docWeight(docClass: string | undefined): number {
  return (docClass !== undefined ? DOC_WEIGHT[docClass] : undefined) ?? OTHER_DOC_WEIGHT;
}

export function materialityScore(item: Pick<DriftItem, 'changeClass' | 'confidence'>, docClass: string | undefined): number {
  const confidence = Math.min(1, Math.max(0, Number.isFinite(item.confidence) ? item.confidence : 0));
  return Math.round(confidence * CHANGE_WEIGHT[item.changeClass] * docWeight(docClass) * 1000) / 1000;
}

export function bandOf(score: number, t: Materiality): Band {
  if (score >= t.autoApprove) return 'auto';
  if (score >= t.notify) return 'notify';
  if (score >= t.digestOnly) return 'digest';
  if (score >= t.ignore) return 'below';
  return 'ignore';
}

/**
 * The severity that picks the approval chain (the same tiers as Track A's findings):
 *   breaking   -> critical on a runbook, else high
 *   behavioral -> high on a runbook, else medium
 *   additive   -> medium on a runbook, else low
 *   cosmetic   -> info
 * Problem items are `medium`: someone should look, nobody is blocked.
 */
export function severityOf(item: Pick<DriftItem, 'changeClass' | 'rule'>, docClass: string | undefined): Severity {
  if (isProblem(item)) return 'medium';
  const runbook = docClass === 'runbook';
  switch (item.changeClass) {
    case 'breaking':
      return runbook ? 'critical' : 'high';
    case 'behavioral':
      return runbook ? 'high' : 'medium';
    case 'additive':
      return runbook ? 'medium' : 'low';
    case 'cosmetic':
      return 'info';
  }
}

export interface ScoredItem {
  item: DriftItem;
  score: number;
  band: Band;
  severity: Severity;
}

export function score(item: DriftItem, docClass: string | undefined, thresholds: Materiality): ScoredItem {
  const s = materialityScore(item, docClass);
  let band = bandOf(s, thresholds);
  // A problem has nothing to remediate and must stay visible: always the digest (and the check).
  if (isProblem(item)) band = 'digest';
  // A flagged item (no patch) has nothing to release: at most a proposal for a person.
  if (band === 'auto' && item.patch === null) band = 'notify';
  return { item, score: s, band, severity: severityOf(item, docClass) };
}

export type Routed = Record<Band, ScoredItem[]>;

/** Every item in exactly one band, highest score first within a band (ties: fingerprint). */
export function route(items: readonly DriftItem[], docClass: string | undefined, thresholds: Materiality): Routed {
  const out: Routed = { auto: [], notify: [], digest: [], below: [], ignore: [] };
  for (const it of items) {
    const s = score(it, docClass, thresholds);
    out[s.band].push(s);
  }
  for (const band of BANDS) out[band].sort((a, b) => b.score - a.score || (a.item.fingerprint < b.item.fingerprint ? -1 : 1));
  return out;
}
