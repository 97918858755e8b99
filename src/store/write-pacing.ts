// GitHub write slots shared by every replica (migrations/016_github_write_pacing.ts): the
// port github/octokit.ts's shared pacing asks (WriteSlots). One statement per slot: an
// upsert that moves the key's `next_at` to max(next_at, now) + interval and returns it, so
// the slot handed out is [returned - interval, returned). Postgres locks the row for the
// upsert, so two replicas asking at once get consecutive slots; SQLite's single writer does
// the same. `now` is the asking process's clock (replicas' clocks are kept in step by NTP;
// a skew of s milliseconds can bring two slots s closer).
import { sql } from 'kysely';
import type { WriteSlots } from '../github/octokit.js';
import type { Db } from './database.js';

export function sqlWriteSlots(db: Db): WriteSlots {
  return {
    async take(key, intervalMs, nowMs) {
      if (!Number.isSafeInteger(intervalMs) || intervalMs < 0) throw new Error(`write pacing: bad interval ${intervalMs}`);
      const now = Math.floor(nowMs);
      const row = await db
        .insertInto('github_write_slots')
        .values({ key, next_at: now + intervalMs })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            next_at: sql<number>`(case when github_write_slots.next_at > cast(${now} as bigint) then github_write_slots.next_at else cast(${now} as bigint) end) + cast(${intervalMs} as bigint)`,
          }),
        )
        .returning('next_at')
        .executeTakeFirstOrThrow();
      return Number(row.next_at) - intervalMs;
    },
  };
}
