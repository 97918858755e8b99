// notify.slack: Slack Web API with a bot token (SLACK_BOT_TOKEN), else an incoming webhook
// (SLACK_WEBHOOK_URL, which can only post). Secrets come from the injected environment,
// never a pack. The idempotency key travels in message metadata so receivers can deduplicate.
//
// Three shapes of message:
// - a chain message (`chainMessage`): the one message of an approval chain in a channel. Its
//   first revision is posted with chat.postMessage and the result keeps the channel id and
//   `ts`; every later revision of the same key reads them back (previousResult) and edits the
//   message with chat.update. A redelivered event plans the same payload, which the outbox
//   does not send again; a new state is a new revision, which updates — never a second post.
// - a thread reply (`threadKey`): posted in the thread of the message whose action has that
//   key (read with `resultOf`). While that message is not out yet the reply waits (a
//   retryable error); from the third attempt it is posted on its own rather than lost.
// - anything else: one chat.postMessage.
// A chain message carries the time of its chain state (`asOf`): an older state that arrives
// after a newer one was shown (an old snapshot planned late) is skipped, not shown.
// HTTP 429 (with Retry-After) and Slack's transient errors are retried; other API errors
// (channel_not_found, not_in_channel, invalid_auth) are permanent.
import { canonicalJson, sha256Hex } from '../../canonical.js';
import type { PackOrigin } from '../action.js';
import { payloadProblem, SlackPayloadSchema, type SlackPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { DispatchError } from '../retry.js';
import { postJson, type Fetch } from './http.js';

export interface SlackDispatcherOptions {
  env: Record<string, string | undefined>;
  fetch?: Fetch;
  /** The Web API base (tests point it at a fake Slack). */
  apiBase?: string;
  /** The result of the latest dispatched revision of another action, by idempotency key. */
  resultOf?: (idempotencyKey: string) => Promise<Record<string, unknown> | null>;
}

const TRANSIENT = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
/** A thread reply waits this many attempts for its parent before it is posted on its own. */
const THREAD_WAIT_ATTEMPTS = 3;

interface SlackAnswer {
  ok?: boolean;
  error?: string;
  ts?: string;
  channel?: string;
}

export function slackDispatcher(options: SlackDispatcherOptions): Dispatcher<SlackPayload> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const apiBase = (options.apiBase ?? 'https://slack.com/api').replace(/\/+$/, '');
  const token = () => options.env.SLACK_BOT_TOKEN || undefined;
  const webhook = () => options.env.SLACK_WEBHOOK_URL || undefined;

  async function call(method: 'chat.postMessage' | 'chat.update', bot: string, body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<SlackAnswer> {
    const res = await postJson(fetchFn, `${apiBase}/${method}`, JSON.stringify(body), { authorization: `Bearer ${bot}` }, undefined, signal);
    const data = JSON.parse(res.text) as SlackAnswer;
    if (data.ok !== true) {
      throw Object.assign(new DispatchError(`slack ${method}: ${data.error ?? 'not ok'}`, { retryable: TRANSIENT.has(data.error ?? ''), headers: res.headers }), {
        slackError: data.error,
      });
    }
    return data;
  }

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
    async dispatch({ action, payload: p, previousResult, signal }) {
      const metadata = {
        event_type: 'puddlejumper_action',
        event_payload: { idempotency_key: action.idempotencyKey, revision: action.revision, repo: action.subject.repo },
      };
      const content = { text: p.text, ...(p.blocks ? { blocks: p.blocks } : {}) };
      const digest = sha256Hex(canonicalJson(content));
      const bot = token();

      if (bot === undefined) {
        const url = webhook();
        if (url === undefined) throw new DispatchError(`routing target ${p.target} has no credentials`, { retryable: false });
        // An incoming webhook cannot edit: a chain message is posted once; decisions still arrive as replies.
        if (p.chainMessage && (await previousResult()) !== null) return { channel: p.target, via: 'webhook', updated: false, skipped: 'incoming webhooks cannot edit a message' };
        await postJson(fetchFn, url, JSON.stringify({ ...content, metadata }), {}, undefined, signal);
        return { channel: p.target, via: 'webhook' };
      }

      if (p.chainMessage) {
        const previous = await previousResult();
        const ts = typeof previous?.ts === 'string' ? previous.ts : undefined;
        const channel = typeof previous?.channel === 'string' ? previous.channel : undefined;
        const shownAsOf = typeof previous?.asOf === 'string' ? previous.asOf : undefined;
        const shownDigest = typeof previous?.digest === 'string' ? previous.digest : undefined;
        if (ts !== undefined && channel !== undefined && p.asOf !== undefined && shownAsOf !== undefined) {
          // An older state planned late (the message already shows a newer one), or the very
          // state it shows: nothing to change.
          if (p.asOf < shownAsOf) return { channel, ts, via: 'bot', updated: false, skipped: 'stale', asOf: shownAsOf, ...(shownDigest ? { digest: shownDigest } : {}) };
          if (p.asOf === shownAsOf && shownDigest === digest) return { channel, ts, via: 'bot', updated: false, skipped: 'unchanged', asOf: shownAsOf, digest };
        }
        if (ts !== undefined && channel !== undefined) {
          try {
            await call('chat.update', bot, { channel, ts, ...content, metadata }, signal);
            return { channel, ts, via: 'bot', updated: true, digest, ...(p.asOf !== undefined ? { asOf: p.asOf } : {}) };
          } catch (error) {
            // Deleted by someone: post it again below.
            if ((error as { slackError?: string }).slackError !== 'message_not_found') throw error;
          }
        }
      }

      let thread: { channel: string; ts: string } | undefined;
      if (p.threadKey !== undefined) {
        const parent = options.resultOf ? await options.resultOf(p.threadKey) : null;
        if (typeof parent?.ts === 'string' && typeof parent.channel === 'string') thread = { channel: parent.channel, ts: parent.ts };
        else if (action.attempts < THREAD_WAIT_ATTEMPTS) {
          throw new DispatchError(`slack: the message to reply to (${p.threadKey}) is not posted yet`, { retryable: true });
        }
      }
      const data = await call(
        'chat.postMessage',
        bot,
        { channel: thread?.channel ?? p.target, ...content, ...(thread ? { thread_ts: thread.ts } : {}), metadata, unfurl_links: false },
        signal,
      );
      return { channel: data.channel ?? p.target, ts: data.ts ?? null, via: 'bot', ...(thread ? { threadTs: thread.ts } : {}), ...(p.chainMessage ? { updated: false, digest } : {}), ...(p.asOf !== undefined ? { asOf: p.asOf } : {}) };
    },
  };
}
