// The Octokit the dispatchers use, and how its retry/throttle plugins are configured.
//
// The outbox is the retry authority for writes: an attempt is counted, audited, backed
// off and survives restarts. If plugin-retry or plugin-throttling re-sent a write inside
// one attempt, that re-send would be invisible (not counted, not audited) and would hold
// the lease for minutes. So:
//  - every non-GET request made through `prepareOctokit` carries `request.retries = 0`,
//    which plugin-retry honours per request (its retry count is read from the request);
//    reads (lookups) keep plugin-retry's retries: they are idempotent.
//  - plugin-throttling still spaces writes (its write/notification queues) — that is
//    configured, not duplicated — but its own re-send on a (secondary) rate limit is
//    decided by the instance's `onSecondaryRateLimit`/`onRateLimit`, which cannot be
//    changed per request. `outboxThrottle` returns false for writes so the 403/429
//    surfaces to the outbox, which honours `retry-after`/`x-ratelimit-reset` via
//    `next_attempt_at`. Production builds its Probot with `OutboxOctokit` below: Probot
//    passes its own `throttle` callbacks to every instance, so plain object defaults
//    (`ProbotOctokit.defaults({ throttle })`) would be overwritten; the function form
//    lays ours over Probot's.
import { ProbotOctokit } from 'probot';
import { githubRateLimitRemaining } from '../metrics.js';

export type Octokit = InstanceType<typeof ProbotOctokit>;

/** The slice of Octokit the edge reads through (`request(route, params)`); Probot's context.octokit fits. */
export interface OctokitLike {
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown; headers?: Record<string, string | number | undefined> }>;
}
export type GetOctokit = (installationId: number) => Promise<Octokit>;

interface RequestOptionsLike {
  method?: string;
  url?: string;
  request?: Record<string, unknown>;
}

function isRead(options: RequestOptionsLike): boolean {
  const method = (options.method ?? 'GET').toUpperCase();
  return method === 'GET' || method === 'HEAD';
}

/** Throttle callbacks: reads may wait and retry (twice); writes go back to the outbox. */
export const outboxThrottle = {
  onSecondaryRateLimit: (_retryAfter: number, options: RequestOptionsLike, _octokit: unknown, retryCount = 0): boolean =>
    isRead(options) && retryCount < 2,
  onRateLimit: (_retryAfter: number, options: RequestOptionsLike, _octokit: unknown, retryCount = 0): boolean =>
    isRead(options) && retryCount < 2,
};

type OctokitOptions = NonNullable<ConstructorParameters<typeof ProbotOctokit>[0]>;

// ---- Write pacing shared by several replicas ----
//
// plugin-throttling spaces writes per installation (its `write` group: one at a time, 1 s
// apart; `notifications`: 3 s) in memory, per process: N replicas wrote N times as often
// for one installation. The plugin waits on `state.write.key(installation).schedule(…, noop)`
// before each write (and `state.notifications` before one that notifies), and takes
// `write`/`notifications` from the throttle options when given. `sharedWritePacing` gives
// it groups that ask a `WriteSlots` store (store/write-pacing.ts, one table on the shared
// database) for the key's next slot and wait until it begins, so all replicas together keep
// the spacing. One process on SQLite keeps the plugin's in-memory groups.

/** Hands out slots per key: each call returns the start (epoch ms) of a slot at least `intervalMs` after the previous one's. */
export interface WriteSlots {
  /**
   * With `maxWaitMs`, a slot that would begin more than that after `nowMs` is not handed out:
   * the call throws a PacedError instead, and nothing is booked.
   */
  take(key: string, intervalMs: number, nowMs: number, maxWaitMs?: number): Promise<number>;
}

/**
 * A write that would wait longer than its pacer allows for a slot: nothing was sent. The
 * outbox reschedules the action for about when the queue will have drained, and does not
 * count it as an attempt — a burst of writes for one installation waits its turn in the
 * outbox, not in a dispatch that would time out holding a slot it never uses.
 */
export class PacedError extends Error {
  readonly code = 'paced';
  readonly retryable = true;
  constructor(
    readonly key: string,
    readonly retryAfterMs: number,
  ) {
    super(`GitHub write pacing: ${key} has writes queued for ${Math.round(retryAfterMs / 1000)} s more; waiting in the outbox`);
    this.name = 'PacedError';
  }
}

/** The spacing GitHub asks for (plugin-throttling's defaults). */
export const WRITE_INTERVAL_MS = 1000;
export const NOTIFICATION_INTERVAL_MS = 3000;

/** The slice of a Bottleneck group plugin-throttling uses for `write` and `notifications`. */
export interface PacingGroup {
  key(id: string): { schedule<A extends unknown[], R>(options: unknown, task: (...args: A) => Promise<R>, ...args: A): Promise<R> };
}
export interface SharedPacing {
  write: PacingGroup;
  notifications: PacingGroup;
}

export interface SharedPacingOptions {
  writeMs?: number;
  notificationMs?: number;
  /** The longest a write waits for its slot inside a dispatch (default 15 s); past it, PacedError. */
  maxWaitMs?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The longest a write waits for a slot inside a dispatch (the outbox times a dispatch out at 60 s). */
export const MAX_SLOT_WAIT_MS = 15_000;

/** How often a write that woke too late for its slot takes a new one before it goes anyway. */
const LATE_RETAKES = 3;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `write`/`notifications` groups for plugin-throttling whose slots come from `slots` (see above). */
export function sharedWritePacing(slots: WriteSlots, options: SharedPacingOptions = {}): SharedPacing {
  const maxWaitMs = options.maxWaitMs ?? MAX_SLOT_WAIT_MS;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? sleepFor;
  const group = (name: string, intervalMs: number): PacingGroup => ({
    key: (id) => ({
      async schedule(_options, task, ...args) {
        // A replica whose event loop woke more than one interval after its slot (a busy
        // process) would send in a bunch with the writes of later slots: it takes a new
        // slot instead, at most LATE_RETAKES times, then sends.
        for (let retake = 0; ; retake++) {
          const start = await slots.take(`${name}:${id}`, intervalMs, clock(), maxWaitMs);
          const wait = start - clock();
          if (wait > 0) await sleep(wait);
          if (clock() - start <= intervalMs || retake >= LATE_RETAKES) return task(...args);
        }
      },
    }),
  });
  return { write: group('write', options.writeMs ?? WRITE_INTERVAL_MS), notifications: group('notifications', options.notificationMs ?? NOTIFICATION_INTERVAL_MS) };
}

/**
 * Octokit options with our throttle callbacks laid over whatever the caller (Probot) set,
 * and, given `pacing`, its shared write groups instead of the plugin's in-process ones.
 */
export function withOutboxThrottle(options: OctokitOptions, pacing?: SharedPacing): OctokitOptions {
  return { ...options, throttle: { ...(options.throttle ?? {}), ...outboxThrottle, ...(pacing ?? {}) } as OctokitOptions['throttle'] };
}

/** The Octokit class of the production Probot: writes are retried by the outbox only. */
export const OutboxOctokit = ProbotOctokit.defaults((options: OctokitOptions) => withOutboxThrottle(options));

/** OutboxOctokit whose writes are paced through `pacing` (shared by every replica on Postgres). */
export function outboxOctokit(pacing?: SharedPacing): typeof OutboxOctokit {
  return pacing === undefined ? OutboxOctokit : ProbotOctokit.defaults((options: OctokitOptions) => withOutboxThrottle(options, pacing));
}

const prepared = new WeakMap<object, number>();

function recordRateLimit(installationId: number, headers: unknown): void {
  if (headers === null || typeof headers !== 'object') return;
  const remaining = (headers as Record<string, unknown>)['x-ratelimit-remaining'];
  if (remaining === undefined || remaining === null) return;
  const n = Number(remaining);
  if (Number.isFinite(n)) githubRateLimitRemaining.set({ installation: String(installationId) }, n);
}

/**
 * Makes an installation Octokit fit for dispatch (idempotent per instance): writes are
 * not retried inside the call, and every response updates the rate-limit gauge.
 */
export function prepareOctokit(octokit: Octokit, installationId: number): Octokit {
  if (prepared.has(octokit)) return octokit;
  prepared.set(octokit, installationId);
  octokit.hook.before('request', (options) => {
    const o = options as unknown as RequestOptionsLike;
    if (!isRead(o)) o.request = { ...(o.request ?? {}), retries: 0 };
  });
  octokit.hook.after('request', (response) => {
    recordRateLimit(installationId, response.headers);
  });
  octokit.hook.error('request', (error) => {
    recordRateLimit(installationId, (error as { response?: { headers?: unknown } }).response?.headers);
    throw error;
  });
  return octokit;
}

/**
 * `octokit.request` with the dispatch's abort signal on every call (`request: { signal }`),
 * so a timed-out attempt's requests are cancelled. Hooks and plugins still apply.
 */
export function requestWithSignal(octokit: Octokit, signal: AbortSignal | undefined): Octokit['request'] {
  return signal === undefined ? octokit.request : octokit.request.defaults({ request: { signal } });
}

export function splitRepo(fullName: string): { owner: string; repo: string } {
  const i = fullName.indexOf('/');
  if (i <= 0 || i === fullName.length - 1) throw Object.assign(new Error(`not an owner/repo name: ${fullName}`), { retryable: false });
  return { owner: fullName.slice(0, i), repo: fullName.slice(i + 1) };
}

export { hasStatus } from './status.js';
