// The Probot app function: webhook events -> use cases. Kept thin on purpose: each
// delivery is deduplicated by its id, handed to the route of its event (routes.ts wires
// them to the use cases), timed, and then the actions it proposed are dispatched — once
// per delivery, for that delivery's installation only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApplicationFunction, Context, Probot } from 'probot';
import type { Db } from './store/database.js';
import { claimDelivery, finishDelivery } from './store/deliveries.js';
import { pingDatabase } from './store/health.js';
import { handlerDuration, webhooksReceived } from './metrics.js';
import { operationsHandler } from './http/operations.js';

/** The events PuddleJumper subscribes to (app.yml). */
export const SUBSCRIBED_EVENTS = [
  'pull_request',
  'pull_request_review',
  'issue_comment',
  'check_run',
  'check_suite',
  'push',
  'installation',
  'installation_repositories',
] as const;
export type SubscribedEvent = (typeof SUBSCRIBED_EVENTS)[number];

export type WebhookContext = Context<SubscribedEvent>;
/** A route runs one use case; it returns the installation whose actions it proposed, if any. */
export type EventHandler = (context: WebhookContext) => Promise<number | undefined | void>;
export type EventRoutes = Partial<Record<SubscribedEvent, EventHandler>>;

export interface AppDeps {
  db: Db;
  /** Builds the routes once Probot exists (they need `app.auth` for background work). */
  routes: (app: Probot) => EventRoutes;
  /** More HTTP routes (the control plane), built once the routes are wired. */
  handlers?: () => Array<(req: IncomingMessage, res: ServerResponse) => Promise<boolean>>;
  /** Dispatches the installation's due actions (the outbox); absent in tests that drive it themselves. */
  dispatch?: (installationId: number) => Promise<unknown>;
  now?: () => Date;
}

export function puddleJumperApp(deps: AppDeps): ApplicationFunction {
  return (app: Probot, { addHandler }) => {
    addHandler(operationsHandler(() => pingDatabase(deps.db)));
    const routes = deps.routes(app);
    for (const handler of deps.handlers?.() ?? []) addHandler(handler);
    app.on([...SUBSCRIBED_EVENTS], async (context) => {
      await receive(deps, routes, context as WebhookContext);
    });
    app.onAny(async (context) => {
      if ((SUBSCRIBED_EVENTS as readonly string[]).includes(context.name)) return;
      const action = (context.payload as { action?: unknown }).action;
      webhooksReceived.inc({ event: context.name, action: typeof action === 'string' ? action : '', outcome: 'ignored' });
    });
  };
}

async function receive(deps: AppDeps, routes: EventRoutes, context: WebhookContext): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const event = context.name as SubscribedEvent;
  const payload = context.payload as { action?: string; installation?: { id: number } };
  const action = payload.action ?? '';
  const handler = routes[event];
  if (!handler) {
    webhooksReceived.inc({ event, action, outcome: 'ignored' });
    return;
  }
  const installationId = payload.installation?.id;
  const claim = await claimDelivery(deps.db, { id: context.id, event, action: payload.action, installationId }, now());
  if (claim === 'duplicate') {
    context.log.info({ event, action, delivery: context.id }, 'delivery already handled; acknowledged');
    webhooksReceived.inc({ event, action, outcome: 'duplicate' });
    return;
  }
  const stopTimer = handlerDuration.startTimer({ event });
  try {
    await handler(context);
    await finishDelivery(deps.db, context.id, {}, now());
    webhooksReceived.inc({ event, action, outcome: 'handled' });
  } catch (error) {
    // Recorded as failed so a redelivery runs it again; the 500 tells GitHub it failed.
    await finishDelivery(deps.db, context.id, { error: (error as Error).message }, now());
    webhooksReceived.inc({ event, action, outcome: 'failed' });
    throw error;
  } finally {
    // What the delivery proposed goes out now (an errored check too); other installations' work is the worker's.
    if (installationId !== undefined && deps.dispatch) await deps.dispatch(installationId).catch((err: unknown) => context.log.error({ err }, 'dispatch after delivery failed'));
    stopTimer();
  }
}
