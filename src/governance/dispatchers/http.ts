// A small fetch wrapper for Slack and webhooks: errors carry status and headers so the
// pipeline can classify them like Octokit's.
import { DispatchError } from '../retry.js';

export type Fetch = typeof globalThis.fetch;

export async function postJson(
  fetchFn: Fetch,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs = 15_000,
  /** The dispatch's signal: aborted when the pipeline gives up on the attempt. */
  signal?: AbortSignal,
): Promise<{ status: number; text: string; headers: Record<string, string> }> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      signal: signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), signal]) : AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new DispatchError(`POST ${new URL(url).host} failed: ${message}`); // network / timeout: retryable
  }
  const text = await res.text();
  const h: Record<string, string> = {};
  res.headers.forEach((value, key) => {
    h[key] = value;
  });
  if (res.status >= 300) {
    throw new DispatchError(`POST ${new URL(url).host} answered ${res.status}: ${text.slice(0, 200)}`, { status: res.status, headers: h });
  }
  return { status: res.status, text, headers: h };
}
