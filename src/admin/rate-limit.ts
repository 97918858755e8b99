// Fixed-window rate limits for the JSON API, per key (`ip:…`, `installation:…`), in memory
// (each replica counts its own; behind a load balancer the effective limit is per replica).
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds when the window resets. */
  reset: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly windowSeconds: number) {}

  take(key: string, limit: number, now: Date): RateDecision {
    const ms = this.windowSeconds * 1000;
    const start = Math.floor(now.getTime() / ms) * ms;
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 50_000) this.prune(start);
    }
    const allowed = w.count < limit;
    if (allowed) w.count++;
    return { allowed, limit, remaining: Math.max(0, limit - w.count), reset: Math.ceil((start + ms) / 1000) };
  }

  private prune(current: number): void {
    for (const [k, w] of this.windows) if (w.start !== current) this.windows.delete(k);
  }
}
