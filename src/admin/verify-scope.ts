// What "verify the audit chain" tells someone who sees only some installations. The chain is
// one for the whole app — every row's hash covers the row before it, whichever installation
// that row is of — so it is always verified whole; but its head sequence, its length and
// where it breaks are facts about every installation's activity. A scoped viewer is told
// only about their own rows: verified up to *their* last event, how many of *their* events
// were checked, and, when the chain is broken, whether the break is at one of their events
// (then which) or somewhere they cannot see (then only that, and that their events after
// the break are unverified). The admin token (unscoped) gets the whole result.
import type { AuditVerification } from './deps.js';

/** The scoped viewer's own rows up to a bound: the last one's id and how many. */
export interface OwnRows {
  last?: number;
  count: number;
}

/**
 * The verification as a scoped viewer may see it. `ownUpTo` counts their rows up to the
 * last verified row (the head, or the row before the break); `breakIsOwn` says whether the
 * row that broke is one of theirs.
 */
export function scopeVerification(full: AuditVerification, ownUpTo: OwnRows, breakIsOwn: boolean): AuditVerification {
  const upTo = ownUpTo.last ?? 0;
  if (full.ok) return { ok: true, upTo, count: ownUpTo.count, scoped: true };
  return {
    ok: false,
    upTo,
    count: ownUpTo.count,
    scoped: true,
    ...(breakIsOwn && full.brokenAt !== undefined
      ? { brokenAt: full.brokenAt, reason: 'this event does not verify against the chain (an administrator with the admin token sees why)' }
      : { reason: 'the chain is broken after this event, at an event outside your installations: your later events are not verified (an administrator with the admin token sees where)' }),
  };
}
