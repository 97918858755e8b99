// Does some pack waive its changelog check with this label? (A label event re-evaluates only then.)
import { ChangelogConfig, TYPE as CHANGELOG } from '../contracts/comparators/changelog-updated.js';
import type { PackSet } from '../packs/types.js';

export function isWaiverLabel(set: PackSet, label: string | undefined): boolean {
  if (label === undefined) return false;
  return set.packs.some(
    (p) => p.valid && (p.pack.trackA?.comparators ?? []).some((c) => c.type === CHANGELOG && ChangelogConfig.safeParse(c.config).data?.waiverLabel === label),
  );
}
