// notify.webhook: a signed JSON POST (schema puddlejumper.event/v1) to a webhook the pack's
// routing names. Headers, in GitHub's style:
//   X-PuddleJumper-Event          the event name (step.activated, ...)
//   X-PuddleJumper-Delivery       the action's idempotency key: the same on every retry and
//                                 revision, so receivers can deduplicate
//   X-PuddleJumper-Signature-256  sha256=<hex HMAC-SHA256 of the raw body>, keyed with the
//                                 secret in the PJ_SECRET_* variable the routing entry names
// The URL and the secret variable are read from the pack's routing (the origin), never from
// the payload, and go through the outbound policy of ./outbound.ts (https, public addresses,
// no redirects, responses never logged).
import { createHmac } from 'node:crypto';
import type { PackOrigin } from '../action.js';
import { payloadProblem, WebhookPayloadSchema, type WebhookPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { DispatchError } from '../retry.js';
import { outboundPolicy, safePost, urlProblem, type Resolve } from './outbound.js';

export const WEBHOOK_SCHEMA = 'puddlejumper.event/v1';
export const SECRET_ENV_PREFIX = 'PJ_SECRET_';

export interface WebhookDispatcherOptions {
  env: Record<string, string | undefined>;
  /** Host resolution (tests inject one; the default is the system resolver). */
  resolve?: Resolve;
  timeoutMs?: number;
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

type Target = { url: string; secret: string; name: string } | { problem: string };

function resolveTarget(target: string, origin: PackOrigin | undefined, env: Record<string, string | undefined>): Target {
  const hook = origin?.routing?.webhooks.find((w) => w.name === target || w.url === target);
  if (hook === undefined) return { problem: `routing target ${target} is not declared in the pack's routing.webhooks` };
  const name = hook.name ?? new URL(hook.url).host;
  if (!hook.secretEnv.startsWith(SECRET_ENV_PREFIX) || hook.secretEnv.length === SECRET_ENV_PREFIX.length) {
    return { problem: `routing target ${name}: secretEnv ${hook.secretEnv} is not allowed; only ${SECRET_ENV_PREFIX}* variables may be named` };
  }
  const problem = urlProblem(hook.url, outboundPolicy(env));
  if (problem !== undefined) return { problem: `routing target ${name}: URL ${problem} (not allowed)` };
  const secret = env[hook.secretEnv];
  if (secret === undefined || secret === '') return { problem: `routing target ${name} has no credentials (${hook.secretEnv} is not set)` };
  return { url: hook.url, secret, name };
}

export function webhookDispatcher(options: WebhookDispatcherOptions): Dispatcher<WebhookPayload> {
  return {
    kind: 'notify.webhook',
    validate(payload: unknown, origin: PackOrigin | undefined) {
      const problem = payloadProblem('notify.webhook', WebhookPayloadSchema, payload);
      if (problem !== undefined) return problem;
      const t = resolveTarget((payload as WebhookPayload).target, origin, options.env);
      return 'problem' in t ? t.problem : undefined;
    },
    async dispatch({ action, payload: p, signal }) {
      const t = resolveTarget(p.target, action.origin ?? undefined, options.env);
      if ('problem' in t) throw new DispatchError(t.problem, { retryable: false });
      const body = JSON.stringify({
        schema: WEBHOOK_SCHEMA,
        event: p.event,
        delivery: action.idempotencyKey,
        ...(p.occurredAt !== undefined ? { occurredAt: p.occurredAt } : {}),
        installationId: action.installationId,
        subject: action.subject,
        data: p.body,
      });
      const res = await safePost(
        t.url,
        body,
        {
          'user-agent': 'PuddleJumper-Hookshot/1',
          'x-puddlejumper-event': p.event,
          'x-puddlejumper-delivery': action.idempotencyKey,
          'x-puddlejumper-signature-256': signBody(t.secret, body),
        },
        {
          policy: outboundPolicy(options.env),
          ...(options.resolve ? { resolve: options.resolve } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          ...(signal ? { signal } : {}),
        },
      );
      return { target: t.name, status: res.status, bytes: res.bytes };
    },
  };
}
