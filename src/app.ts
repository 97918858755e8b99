// The Probot app function: webhook events -> use cases. Kept thin on purpose: each
// delivery is recorded and claimed by its id (with its payload), and the webhook is answered
// right then — GitHub wants an answer within 10 seconds, and an evaluation may take longer.
// The work goes on after the answer: the route of its event (routes.ts wires them to the
// use cases) runs under a lease that is renewed while it runs, is timed, and then the
// actions it proposed are dispatched — once per delivery, for that delivery's installation
// only. If the process dies mid-work, the lease runs out and the resume loop here runs the
// delivery again from its stored payload.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Context, type ApplicationFunction, type Probot } from 'probot';
import type { Db } from './store/database.js';
import { claimDelivery, claimStaleDeliveries, DELIVERY_LEASE_MS, finishDelivery, renewDeliveryLease, type DeliveryFacts } from './store/deliveries.js';
import { pingDatabase } from './store/health.js';
import { deliveriesResumed, handlerDuration, webhooksReceived } from './metrics.js';
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
  'issues',
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
  /**
   * 'background' (the default): the webhook is answered once the delivery is claimed and the
   * work goes on after. 'inline': the answer waits for the work and a failure is thrown — for
   * tests that drive `probot.receive` and assert right after it.
   */
  work?: 'background' | 'inline';
  /** How often deliveries whose lease ran out are resumed; absent: only when `resumeStale()` is called. */
  resumeIntervalMs?: number;
  /** The claim's lease (DELIVERY_LEASE_MS), renewed every third of it while the work runs. */
  leaseMs?: number;
}

/** The app function, and handles on the work it runs after answering. */
export interface PuddleJumperApp extends ApplicationFunction {
  /** Resolves once every delivery started so far (and any it started meanwhile) has finished. */
  drain(): Promise<void>;
  /** Runs the deliveries whose lease ran out (their process died); resolves with how many were started. */
  resumeStale(): Promise<number>;
  /** Stops the resume loop (the work in flight goes on; `drain()` waits for it). */
  stop(): void;
}

export function puddleJumperApp(deps: AppDeps): PuddleJumperApp {
  const now = deps.now ?? (() => new Date());
  const leaseMs = deps.leaseMs ?? DELIVERY_LEASE_MS;
  const inflight = new Set<Promise<void>>();
  let loaded: { app: Probot; routes: EventRoutes } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let resuming: Promise<number> | undefined;

  const track = (work: Promise<void>) => {
    const p = work.finally(() => inflight.delete(p));
    inflight.add(p);
  };

  /** Runs a claimed delivery's route under its lease; records the outcome; rethrows a failure. */
  async function run(facts: DeliveryFacts, handler: EventHandler, context: WebhookContext): Promise<void> {
    const event = facts.event;
    const action = facts.action ?? '';
    const stopTimer = handlerDuration.startTimer({ event });
    const renewal = setInterval(() => {
      renewDeliveryLease(deps.db, facts.id, now(), leaseMs).catch((err: unknown) => context.log.warn({ err, delivery: facts.id }, 'could not renew the delivery lease'));
    }, Math.max(1, Math.floor(leaseMs / 3)));
    renewal.unref();
    try {
      await handler(context);
      clearInterval(renewal);
      await finishDelivery(deps.db, facts.id, {}, now());
      webhooksReceived.inc({ event, action, outcome: 'handled' });
    } catch (error) {
      clearInterval(renewal);
      // Recorded as failed so a redelivery runs it again.
      await finishDelivery(deps.db, facts.id, { error: (error as Error).message }, now());
      webhooksReceived.inc({ event, action, outcome: 'failed' });
      throw error;
    } finally {
      // What the delivery proposed goes out now (an errored check too); other installations' work is the worker's.
      if (facts.installationId !== undefined && deps.dispatch) {
        await deps.dispatch(facts.installationId).catch((err: unknown) => context.log.error({ err }, 'dispatch after delivery failed'));
      }
      stopTimer();
    }
  }

  function start(facts: DeliveryFacts, handler: EventHandler, context: WebhookContext): Promise<void> {
    const work = run(facts, handler, context);
    if (deps.work === 'inline') return work;
    track(work.catch((err: unknown) => context.log.error({ err, event: facts.event, delivery: facts.id }, 'delivery failed; a redelivery runs it again')));
    return Promise.resolve();
  }

  async function receive(context: WebhookContext): Promise<void> {
    const routes = loaded!.routes;
    const event = context.name as SubscribedEvent;
    const payload = context.payload as { action?: string; installation?: { id: number } };
    const action = payload.action ?? '';
    const handler = routes[event];
    if (!handler) {
      webhooksReceived.inc({ event, action, outcome: 'ignored' });
      return;
    }
    const facts: DeliveryFacts = { id: context.id, event, ...(payload.action !== undefined ? { action: payload.action } : {}), ...(payload.installation ? { installationId: payload.installation.id } : {}) };
    const claim = await claimDelivery(deps.db, { ...facts, payload: JSON.stringify(context.payload) }, now(), leaseMs);
    if (claim === 'duplicate') {
      context.log.info({ event, action, delivery: context.id }, 'delivery already handled or in flight; acknowledged');
      webhooksReceived.inc({ event, action, outcome: 'duplicate' });
      return;
    }
    await start(facts, handler, context);
  }

  async function resumeOnce(): Promise<number> {
    if (!loaded) return 0;
    const { app, routes } = loaded;
    const due = await claimStaleDeliveries(deps.db, now(), leaseMs);
    for (const d of due) {
      const handler = routes[d.event as SubscribedEvent];
      if (!handler) {
        await finishDelivery(deps.db, d.id, {}, now());
        continue;
      }
      try {
        const octokit = d.installationId !== undefined ? await app.auth(d.installationId) : await app.auth();
        const context = new Context({ id: d.id, name: d.event, payload: d.payload } as never, octokit as never, app.log.child({ delivery: d.id })) as unknown as WebhookContext;
        app.log.info({ event: d.event, delivery: d.id, attempt: d.attempts }, 'resuming a delivery whose process stopped before finishing it');
        deliveriesResumed.inc();
        track(run(d, handler, context).catch((err: unknown) => app.log.error({ err, delivery: d.id }, 'resumed delivery failed; a redelivery runs it again')));
      } catch (err) {
        // No token (the installation is gone?): recorded, so it is not retried in a loop.
        await finishDelivery(deps.db, d.id, { error: `could not resume: ${(err as Error).message}` }, now());
      }
    }
    return due.length;
  }

  const appFn = ((app: Probot, { addHandler }: Parameters<ApplicationFunction>[1]) => {
    addHandler(operationsHandler(() => pingDatabase(deps.db)));
    loaded = { app, routes: deps.routes(app) };
    for (const handler of deps.handlers?.() ?? []) addHandler(handler);
    app.on([...SUBSCRIBED_EVENTS], async (context) => {
      await receive(context as WebhookContext);
    });
    app.onAny(async (context) => {
      if ((SUBSCRIBED_EVENTS as readonly string[]).includes(context.name)) return;
      const action = (context.payload as { action?: unknown }).action;
      webhooksReceived.inc({ event: context.name, action: typeof action === 'string' ? action : '', outcome: 'ignored' });
    });
    if (deps.resumeIntervalMs !== undefined && !timer) {
      timer = setInterval(() => {
        void appFn.resumeStale().catch((err: unknown) => app.log.error({ err }, 'resuming deliveries failed'));
      }, deps.resumeIntervalMs);
      timer.unref();
    }
  }) as PuddleJumperApp;

  appFn.resumeStale = () => {
    // One pass at a time: an interval tick never overlaps a running one.
    resuming ??= resumeOnce().finally(() => (resuming = undefined));
    return resuming;
  };
  appFn.drain = async () => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  };
  appFn.stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return appFn;
}
