// notify.slack: chat.postMessage with a bot token (SLACK_BOT_TOKEN), else an incoming
// webhook (SLACK_WEBHOOK_URL). Secrets come from the injected environment, never a pack.
// The idempotency key travels in message metadata so receivers can deduplicate.
import type { PackOrigin } from '../action.js';
import { payloadProblem, SlackPayloadSchema, type SlackPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { DispatchError } from '../retry.js';
import { postJson, type Fetch } from './http.js';

export interface SlackDispatcherOptions {
  env: Record<string, string | undefined>;
  fetch?: Fetch;
  apiUrl?: string;
}

export function slackDispatcher(options: SlackDispatcherOptions): Dispatcher<SlackPayload> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const apiUrl = options.apiUrl ?? 'https://slack.com/api/chat.postMessage';
  const token = () => options.env.SLACK_BOT_TOKEN || undefined;
  const webhook = () => options.env.SLACK_WEBHOOK_URL || undefined;
  return {
    kind: 'notify.slack',
    validate(payload: unknown, _origin: PackOrigin | undefined) {
      const problem = payloadProblem('notify.slack', SlackPayloadSchema, payload);
      if (problem !== undefined) return problem;
      if (token() === undefined && webhook() === undefined) {
        return `routing target ${(payload as SlackPayload).target} has no credentials (set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL)`;
      }
      return undefined;
    },
    async dispatch({ action, payload: p, signal }) {
      const metadata = {
        event_type: 'puddlejumper_action',
        event_payload: { idempotency_key: action.idempotencyKey, revision: action.revision, repo: action.subject.repo },
      };
      const bot = token();
      if (bot !== undefined) {
        const res = await postJson(
          fetchFn,
          apiUrl,
          JSON.stringify({ channel: p.target, text: p.text, ...(p.blocks ? { blocks: p.blocks } : {}), metadata }),
          { authorization: `Bearer ${bot}` },
          undefined,
          signal,
        );
        const data = JSON.parse(res.text) as { ok?: boolean; error?: string; ts?: string; channel?: string };
        if (data.ok !== true) {
          const retryable = data.error === 'ratelimited' || data.error === 'internal_error' || data.error === 'fatal_error' || data.error === 'service_unavailable';
          throw new DispatchError(`slack chat.postMessage: ${data.error ?? 'not ok'}`, { retryable, headers: res.headers });
        }
        return { channel: data.channel ?? p.target, ts: data.ts ?? null, via: 'bot' };
      }
      const url = webhook();
      if (url === undefined) throw new DispatchError(`routing target ${p.target} has no credentials`, { retryable: false });
      await postJson(fetchFn, url, JSON.stringify({ text: p.text, ...(p.blocks ? { blocks: p.blocks } : {}), metadata }), {}, undefined, signal);
      return { channel: p.target, via: 'webhook' };
    },
  };
}
