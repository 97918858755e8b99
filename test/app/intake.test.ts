import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/database.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import type { EventRoutes } from '../../src/app.js';
import { recordInstallation } from '../../src/usecases/installations.js';
import { readInstallation } from '../../src/github/payloads.js';
import { getInstallation, sqlInstallationRepository } from '../../src/store/installations.js';
import { examplePayload } from '../helpers/payloads.js';
import { postWebhook, sign, startTestServer } from '../helpers/server.js';

describe('webhook intake over HTTP', () => {
  let db: Db;
  let server: { url: string; stop: () => Promise<void> };
  let calls: string[];
  let failNext = false;

  beforeEach(async () => {
    db = await openMemoryDatabase();
    calls = [];
    failNext = false;
    const routes = (): EventRoutes => {
      const store = sqlInstallationRepository(db);
      return {
        installation: (context) => recordInstallation(store, readInstallation('installation', context.payload), new Date()),
        installation_repositories: (context) => recordInstallation(store, readInstallation('installation_repositories', context.payload), new Date()),
        pull_request: async (context) => {
          calls.push(`${context.name}.${(context.payload as { action: string }).action}`);
          if (failNext) {
            failNext = false;
            throw new Error('boom');
          }
        },
      };
    };
    server = await startTestServer({ db, routes });
  });

  afterEach(async () => {
    await server.stop();
    await db.destroy();
  });

  it('accepts a correctly signed delivery and runs its handler', async () => {
    const res = await postWebhook(server.url, 'pull_request', examplePayload('pull_request', 'opened'));
    expect(res.status).toBe(200);
    expect(calls).toEqual(['pull_request.opened']);
  });

  it('rejects a forged signature with 400 and runs nothing', async () => {
    const payload = examplePayload('pull_request', 'opened');
    const res = await postWebhook(server.url, 'pull_request', payload, { signature: sign('{}', 'not-the-secret') });
    expect(res.status).toBe(400);
    expect(calls).toEqual([]);
    const rows = await db.selectFrom('webhook_deliveries').selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('acknowledges a redelivered id without running the handlers again', async () => {
    const payload = examplePayload('pull_request', 'synchronize');
    const first = await postWebhook(server.url, 'pull_request', payload, { delivery: 'delivery-1' });
    const again = await postWebhook(server.url, 'pull_request', payload, { delivery: 'delivery-1' });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(calls).toEqual(['pull_request.synchronize']);
  });

  it('runs a redelivery again when the first attempt failed, so nothing is lost', async () => {
    failNext = true;
    const payload = examplePayload('pull_request', 'opened');
    const first = await postWebhook(server.url, 'pull_request', payload, { delivery: 'delivery-2' });
    expect(first.status).toBe(500);
    const row = await db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', 'delivery-2').executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.error).toBe('boom');
    const again = await postWebhook(server.url, 'pull_request', payload, { delivery: 'delivery-2' });
    expect(again.status).toBe(200);
    expect(calls).toEqual(['pull_request.opened', 'pull_request.opened']);
  });

  it('ignores an event it does not handle', async () => {
    const res = await postWebhook(server.url, 'star', examplePayload('star', 'created'));
    expect(res.status).toBe(200);
    expect(calls).toEqual([]);
    expect(await db.selectFrom('webhook_deliveries').selectAll().execute()).toEqual([]);
  });

  it('keeps the installations table current', async () => {
    const created = examplePayload('installation', 'created');
    await postWebhook(server.url, 'installation', created);
    const id = created.installation.id as number;
    let row = await getInstallation(db, id);
    expect(row?.status).toBe('active');
    expect(row?.account_login).toBe(created.installation.account.login);
    expect(row?.repositories).toEqual(created.repositories.map((r: { full_name: string }) => r.full_name).sort());

    const added = examplePayload('installation_repositories', 'added');
    added.installation.id = id;
    await postWebhook(server.url, 'installation_repositories', added);
    row = await getInstallation(db, id);
    for (const repo of added.repositories_added) expect(row?.repositories).toContain(repo.full_name);

    const suspended = examplePayload('installation', 'suspend');
    suspended.installation.id = id;
    await postWebhook(server.url, 'installation', suspended);
    row = await getInstallation(db, id);
    expect(row?.status).toBe('suspended');
    expect(row?.repositories.length).toBeGreaterThan(0);
  });

  it('answers /healthz and /metrics', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    await postWebhook(server.url, 'pull_request', examplePayload('pull_request', 'opened'));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/pj_webhooks_received_total\{event="pull_request",action="opened",outcome="handled"\} \d+/);
    expect(metrics).toContain('pj_webhook_handler_duration_seconds_bucket');
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it('answers /healthz with 503 when the database is gone', async () => {
    await db.destroy();
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    db = await openMemoryDatabase(); // for afterEach
  });
});
