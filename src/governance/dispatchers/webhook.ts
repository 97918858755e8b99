// notify.webhook: a JSON POST to a webhook the pack's routing names. The body is signed
// with HMAC-SHA256 using the secret in the environment variable the routing entry names
// (never a secret in the pack). Headers: X-PuddleJumper-Signature: sha256=<hex>,
// X-PuddleJumper-Timestamp (unix seconds), X-PuddleJumper-Delivery (the idempotency key,
// so receivers can deduplicate) and X-PuddleJumper-Revision (which update of it).
import { createHmac } from 'node:crypto';
import type { PackOrigin } from '../action.js';
import { payloadProblem, WebhookPayloadSchema, type WebhookPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { DispatchError } from '../retry.js';
import { postJson, type Fetch } from './http.js';

export interface WebhookDispatcherOptions {
  env: Record<string, string | undefined>;
  fetch?: Fetch;
  now?: () => Date;
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function resolveTarget(target: string, origin: PackOrigin | undefined, env: Record<string, string | undefined>) {
  const hook = origin?.routing?.webhooks.find((w) => w.name === target);
  if (hook === undefined) return { problem: `routing target ${target} is not declared in the pack's routing.webhooks` } as const;
  const secret = env[hook.secretEnv];
  if (secret === undefined || secret === '') return { problem: `routing target ${target} has no credentials (${hook.secretEnv} is not set)` } as const;
  return { url: hook.url, secret } as const;
}

export function webhookDispatcher(options: WebhookDispatcherOptions): Dispatcher<WebhookPayload> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const now = options.now ?? (() => new Date());
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
      if ('problem' in t) throw new DispatchError(t.problem ?? 'bad target', { retryable: false });
      const body = JSON.stringify({
        event: p.event,
        delivery: action.idempotencyKey,
        revision: action.revision,
        installationId: action.installationId,
        subject: action.subject,
        body: p.body,
      });
      const res = await postJson(fetchFn, t.url, body, {
        'x-puddlejumper-signature': signBody(t.secret, body),
        'x-puddlejumper-timestamp': String(Math.floor(now().getTime() / 1000)),
        'x-puddlejumper-delivery': action.idempotencyKey,
        'x-puddlejumper-revision': String(action.revision),
        'x-puddlejumper-event': p.event,
      }, undefined, signal);
      return { target: p.target, status: res.status };
    },
  };
}
