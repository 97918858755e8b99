// Retry policy and error classification: which failures are worth another attempt
// and when that attempt is due.

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 2_000, maxDelayMs: 10 * 60_000 };

/** An error a dispatcher throws for a non-Octokit call (Slack, webhooks) or a bad payload. */
export class DispatchError extends Error {
  readonly status: number | undefined;
  readonly headers: Record<string, string | undefined>;
  readonly retryable: boolean | undefined;

  constructor(message: string, options: { status?: number; headers?: Record<string, string | undefined>; retryable?: boolean } = {}) {
    super(message);
    this.name = 'DispatchError';
    this.status = options.status;
    this.headers = options.headers ?? {};
    this.retryable = options.retryable;
  }
}

export interface Classified {
  retryable: boolean;
  /**
   * Bounded code for metrics: http_502, http_422, secondary_rate_limit, rate_limit, network,
   * timeout, error; `paced` — the write waited for its GitHub write slot and sent nothing.
   */
  code: string;
  /** Human reason for the audit log and `last_error`. */
  message: string;
  /** The far side said when to come back (retry-after / x-ratelimit-reset), in ms from now. */
  retryAfterMs?: number;
}

function header(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const v = (headers as Record<string, unknown>)[name];
  return v === undefined || v === null ? undefined : String(v);
}

/**
 * Classifies an Octokit RequestError, a DispatchError or anything else thrown.
 * 5xx, 408, 429, network errors and timeouts are retryable; so is a 403 that is a
 * (secondary) rate limit. Other 4xx are permanent.
 */
export function classifyError(error: unknown, now: Date): Classified {
  const e = error as {
    status?: unknown;
    message?: unknown;
    name?: unknown;
    code?: unknown;
    retryable?: unknown;
    retryAfterMs?: unknown;
    headers?: unknown;
    response?: { headers?: unknown; data?: unknown };
  } | null;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const status = typeof e?.status === 'number' && e.status > 0 ? e.status : undefined;
  const headers = e?.response?.headers ?? e?.headers;
  const dataMessage =
    e?.response?.data && typeof e.response.data === 'object' && typeof (e.response.data as { message?: unknown }).message === 'string'
      ? ((e.response.data as { message: string }).message)
      : '';

  let retryAfterMs: number | undefined;
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) retryAfterMs = Math.max(0, seconds * 1000);
    else {
      const date = Date.parse(retryAfter);
      if (!Number.isNaN(date)) retryAfterMs = Math.max(0, date - now.getTime());
    }
  }
  const remaining = header(headers, 'x-ratelimit-remaining');
  const reset = header(headers, 'x-ratelimit-reset');
  if (retryAfterMs === undefined && remaining === '0' && reset !== undefined && Number.isFinite(Number(reset))) {
    retryAfterMs = Math.max(0, Number(reset) * 1000 - now.getTime() + 1000);
  }

  const text = `${message} ${dataMessage}`;
  const withAfter = (c: Omit<Classified, 'retryAfterMs'>): Classified =>
    retryAfterMs === undefined ? c : { ...c, retryAfterMs };

  if (status === undefined) {
    if (e?.code === 'paced' && typeof e.retryAfterMs === 'number') return { retryable: true, code: 'paced', message, retryAfterMs: Math.max(0, e.retryAfterMs) };
    if (e?.retryable === false) return withAfter({ retryable: false, code: 'error', message });
    const code = typeof e?.code === 'string' ? e.code : '';
    const timeout = /timeout|timed out|ETIMEDOUT|AbortError/i.test(`${String(e?.name)} ${code} ${message}`);
    return withAfter({ retryable: true, code: timeout ? 'timeout' : 'network', message });
  }
  const detail = `HTTP ${status}: ${dataMessage || message}`;
  if (status === 429) return withAfter({ retryable: true, code: 'rate_limit', message: detail });
  if (status === 403 && /secondary rate/i.test(text)) return withAfter({ retryable: true, code: 'secondary_rate_limit', message: detail });
  if (status === 403 && (remaining === '0' || /rate limit/i.test(text))) return withAfter({ retryable: true, code: 'rate_limit', message: detail });
  if (status >= 500 || status === 408) return withAfter({ retryable: true, code: `http_${status}`, message: detail });
  if (e?.retryable === true) return withAfter({ retryable: true, code: `http_${status}`, message: detail });
  return withAfter({ retryable: false, code: `http_${status}`, message: detail });
}

/**
 * Delay before attempt `attempts + 1`: full-jitter exponential backoff, capped, and never
 * earlier than what the far side asked for.
 */
export function backoffDelayMs(policy: RetryPolicy, attempts: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
