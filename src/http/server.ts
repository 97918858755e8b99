// The HTTP server: Probot's Server (its webhook middleware, /ping, static files) with the
// body limit in front of it and the app loaded. main.ts runs it; the end-to-end tests start
// the very same composition on 127.0.0.1.
import type { Server as HttpServer } from 'node:http';
import { Server, type Probot, type ApplicationFunction } from 'probot';
import type { Logger } from 'pino';
import { webhooksRejected } from '../metrics.js';
import { limitWebhookBodies, MAX_WEBHOOK_BYTES } from './body-limit.js';

export interface ServerOptions {
  host?: string;
  port: number;
  log: Logger;
  /** Probot with its credentials (`Probot.defaults({ appId, privateKey, secret, ... })`). */
  Probot: typeof Probot;
  webhookPath?: string;
  webhookProxy?: string;
  maxBodyBytes?: number;
}

export async function startServer(appFn: ApplicationFunction, options: ServerOptions): Promise<{ server: Server; http: HttpServer }> {
  const webhookPath = options.webhookPath ?? '/api/github/webhooks';
  const server = new Server({
    ...(options.host !== undefined ? { host: options.host } : {}),
    port: options.port,
    log: options.log,
    Probot: options.Probot,
    webhookPath,
    ...(options.webhookProxy ? { webhookProxy: options.webhookProxy } : {}),
  });
  await server.load(appFn);
  const http = await server.start();
  limitWebhookBodies(http, { path: webhookPath, maxBytes: options.maxBodyBytes ?? MAX_WEBHOOK_BYTES, onRejected: (reason) => webhooksRejected.inc({ reason }) });
  return { server, http };
}
