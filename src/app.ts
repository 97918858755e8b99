// The Probot app function: webhook events -> use cases. Kept thin on purpose:
// each delivery is deduplicated by its id, routed by event name, and timed.
import type { ApplicationFunction, Context, Probot } from 'probot';
import type { Db } from './store/database.js';
import { claimDelivery, finishDelivery } from './store/deliveries.js';
import { handlerDuration, webhooksReceived } from './metrics.js';
import { operationsHandler } from './http/operations.js';

export type AnyContext = Context<any>;
export type EventHandler = (context: AnyContext) => Promise<void>;

/** The events PuddleJumper subscribes to (app.yml), each with its use case. */
export type EventRoutes = Partial<Record<string, EventHandler>>;

export interface AppDeps {
  db: Db;
  /** Builds the use cases once Probot exists (they need `app.auth` for background work). */
  routes: (app: Probot) => EventRoutes;
  now?: () => Date;
}

export function puddleJumperApp(deps: AppDeps): ApplicationFunction {
  return (app: Probot, { addHandler }) => {
    addHandler(operationsHandler(deps.db));
    const routes = deps.routes(app);
    app.onAny(async (context) => {
      await receive(deps, routes, context as AnyContext);
    });
  };
}

async function receive(deps: AppDeps, routes: EventRoutes, context: AnyContext): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const payload = context.payload as { action?: string; installation?: { id: number } };
  const event = context.name;
  const action = payload.action ?? '';
  const handler = routes[event];
  if (!handler) {
    context.log.debug({ event, action }, 'event not handled by PuddleJumper; ignored');
    webhooksReceived.inc({ event, action, outcome: 'ignored' });
    return;
  }
  const claim = await claimDelivery(
    deps.db,
    { id: context.id, event, action: payload.action, installationId: payload.installation?.id },
    now(),
  );
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
    stopTimer();
  }
}
