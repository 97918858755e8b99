// The one prom-client registry of the process. Areas add their own metrics to it
// (governance, approvals) in their own files; /metrics serves it whole.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const webhooksReceived = new Counter({
  name: 'pj_webhooks_received_total',
  help: 'Webhook deliveries received, by event, action and outcome (handled, duplicate, failed, ignored)',
  labelNames: ['event', 'action', 'outcome'] as const,
  registers: [registry],
});

export const handlerDuration = new Histogram({
  name: 'pj_webhook_handler_duration_seconds',
  help: 'Time spent handling one webhook delivery',
  labelNames: ['event'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
