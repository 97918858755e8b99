// GitHub write slots shared by every replica (migrations/016_github_write_pacing.ts): the
// port github/octokit.ts's shared pacing asks (WriteSlots). One statement per slot: an
// upsert that moves the key's `next_at` to max(next_at, now) + interval and returns it, so
// the slot handed out is [returned - interval, returned). Postgres locks the row for the
// upsert, so two replicas asking at once get consecutive slots; SQLite's single writer does
// the same. `now` is the asking process's clock (replicas' clocks are kept in step by NTP;
// a skew of s milliseconds can bring two slots s closer).
import { sql } from 'kysely';
import { PacedError, type WriteSlots } from '../github/octokit.js';
import type { Db } from './database.js';

export function sqlWriteSlots(db: Db): WriteSlots {
  return {
    async take(key, intervalMs, nowMs, maxWaitMs) {
      if (!Number.isSafeInteger(intervalMs) || intervalMs < 0) throw new Error(`write pacing: bad interval ${intervalMs}`);
      const now = Math.floor(nowMs);
      const latest = maxWaitMs === undefined ? undefined : now + Math.max(0, Math.floor(maxWaitMs));
      const row = await db
        .insertInto('github_write_slots')
        .values({ key, next_at: now + intervalMs })
        .onConflict((oc) => {
          const update = oc.column('key').doUpdateSet({
            next_at: sql<number>`(case when github_write_slots.next_at > cast(${now} as bigint) then github_write_slots.next_at else cast(${now} as bigint) end) + cast(${intervalMs} as bigint)`,
          });
          // The slot would begin at next_at: past `latest`, book nothing (no row comes back).
          return latest === undefined ? update : update.where(sql<boolean>`github_write_slots.next_at <= cast(${latest} as bigint)`);
        })
        .returning('next_at')
        .executeTakeFirst();
      if (row !== undefined) return Number(row.next_at) - intervalMs;
      const queued = await db.selectFrom('github_write_slots').select('next_at').where('key', '=', key).executeTakeFirst();
      const freeAt = Number(queued?.next_at ?? now);
      // Back when about half of what is queued beyond the allowed wait has gone out.
      throw new PacedError(key, Math.max(intervalMs, freeAt - now - Math.floor((maxWaitMs ?? 0) / 2)));
    },
  };
}
