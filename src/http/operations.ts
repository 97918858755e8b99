// Operational routes beside Probot's webhook endpoint: GET /healthz and GET /metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { registry } from '../metrics.js';

/** `ping` rejects when the database is unreachable (store/health.ts). */
export function operationsHandler(ping: () => Promise<void>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/healthz') {
      await healthz(ping, res);
      return true;
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(await registry.metrics());
      return true;
    }
    return false;
  };
}

async function healthz(ping: () => Promise<void>, res: ServerResponse): Promise<void> {
  try {
    await ping();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', database: 'reachable' }));
  } catch (error) {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'unavailable', database: (error as Error).message }));
  }
}
