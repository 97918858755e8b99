// Operational routes beside Probot's webhook endpoint: GET /healthz and GET /metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql } from 'kysely';
import type { Db } from '../store/database.js';
import { registry } from '../metrics.js';

export function operationsHandler(db: Db) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/healthz') {
      await healthz(db, res);
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

async function healthz(db: Db, res: ServerResponse): Promise<void> {
  try {
    await sql`select 1`.execute(db);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', database: 'reachable' }));
  } catch (error) {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'unavailable', database: (error as Error).message }));
  }
}
