// notify.pagerduty: PagerDuty Events API v2. `trigger` opens (or, with the same dedup_key,
// adds to) an incident; `resolve` closes it. The dedup_key is the chain's or the failed
// action's, so a repeated escalation updates one incident and a retry never opens a second.
// The routing key is read from the PJ_SECRET_* variable named by the pack's
// routing.pagerDuty.routingKeyEnv — never from the payload alone, never from the pack.
import type { PackOrigin } from '../action.js';
import { PagerDutyPayloadSchema, payloadProblem, type PagerDutyPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { DispatchError } from '../retry.js';
import { postJson, type Fetch } from './http.js';
import { SECRET_ENV_PREFIX } from './webhook.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface PagerDutyDispatcherOptions {
  env: Record<string, string | undefined>;
  fetch?: Fetch;
  /** The Events API endpoint (tests point it at a fake server). */
  eventsUrl?: string;
}

function routingKey(p: PagerDutyPayload, origin: PackOrigin | undefined, env: Record<string, string | undefined>): { key: string } | { problem: string } {
  const declared = origin?.routing?.pagerDuty?.routingKeyEnv;
  if (declared === undefined || declared !== p.routingKeyEnv) {
    return { problem: `routing target pagerDuty (${p.routingKeyEnv}) is not declared in the pack's routing.pagerDuty` };
  }
  if (!declared.startsWith(SECRET_ENV_PREFIX) || declared.length === SECRET_ENV_PREFIX.length) {
    return { problem: `routing target pagerDuty: routingKeyEnv ${declared} is not allowed; only ${SECRET_ENV_PREFIX}* variables may be named` };
  }
  const key = env[declared];
  if (key === undefined || key === '') return { problem: `routing target pagerDuty has no credentials (${declared} is not set)` };
  return { key };
}

export function pagerDutyDispatcher(options: PagerDutyDispatcherOptions): Dispatcher<PagerDutyPayload> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const url = options.eventsUrl ?? PAGERDUTY_EVENTS_URL;
  return {
    kind: 'notify.pagerduty',
    validate(payload: unknown, origin: PackOrigin | undefined) {
      const problem = payloadProblem('notify.pagerduty', PagerDutyPayloadSchema, payload);
      if (problem !== undefined) return problem;
      const k = routingKey(payload as PagerDutyPayload, origin, options.env);
      return 'problem' in k ? k.problem : undefined;
    },
    async dispatch({ action, payload: p, signal }) {
      const k = routingKey(p, action.origin ?? undefined, options.env);
      if ('problem' in k) throw new DispatchError(k.problem, { retryable: false });
      const event =
        p.eventAction === 'trigger'
          ? {
              routing_key: k.key,
              event_action: 'trigger',
              dedup_key: p.dedupKey,
              payload: {
                summary: p.summary,
                source: p.source,
                severity: p.severity,
                component: 'puddlejumper',
                ...(p.customDetails ? { custom_details: p.customDetails } : {}),
              },
              ...(p.link ? { links: [{ href: p.link, text: 'Pull request' }] } : {}),
              client: 'PuddleJumper',
            }
          : { routing_key: k.key, event_action: 'resolve', dedup_key: p.dedupKey };
      const res = await postJson(fetchFn, url, JSON.stringify(event), {}, undefined, signal);
      let answer: { status?: string; dedup_key?: string } = {};
      try {
        answer = JSON.parse(res.text) as typeof answer;
      } catch {
        // A 2xx without JSON still means accepted.
      }
      return { eventAction: p.eventAction, dedupKey: answer.dedup_key ?? p.dedupKey, status: res.status, delivery: action.idempotencyKey };
    },
  };
}
