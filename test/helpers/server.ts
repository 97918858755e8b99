// A real PuddleJumper HTTP server on 127.0.0.1 for end-to-end tests.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { Probot, ProbotOctokit } from 'probot';
import pino from 'pino';
import { puddleJumperApp, type AppDeps, type PuddleJumperApp } from '../../src/app.js';
import { startServer } from '../../src/http/server.js';

export const TEST_SECRET = 'test-webhook-secret';

let cachedKey: string | undefined;
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  return cachedKey;
}

export function sign(body: string, secret = TEST_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Octokit for tests: no retries, no throttling, so nock sees exactly what the app sends.
 * Function-form defaults: Probot hands every instance its own `throttle` options.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, any>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...options.throttle, enabled: false },
}));

/**
 * The app on the production server composition (src/http/server.ts: the body limit in front
 * of Probot's server). The work runs inline (the answer waits for it) unless `deps.work` says
 * 'background'; `app` drains and resumes background work.
 */
export async function startTestServer(
  deps: AppDeps,
  options: { maxBodyBytes?: number } = {},
): Promise<{ url: string; stop: () => Promise<void>; app: PuddleJumperApp }> {
  const port = await freePort();
  const app = puddleJumperApp({ work: 'inline', ...deps });
  const { server } = await startServer(app, {
    host: '127.0.0.1',
    port,
    log: pino({ level: 'silent' }),
    Probot: Probot.defaults({ appId: 1, privateKey: testPrivateKey(), secret: TEST_SECRET, Octokit: TestOctokit }),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    stop: async () => {
      app.stop();
      await server.stop();
      await app.drain();
    },
  };
}

export async function postWebhook(
  url: string,
  event: string,
  payload: unknown,
  options: { delivery?: string; signature?: string } = {},
): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': options.delivery ?? crypto.randomUUID(),
      'x-hub-signature-256': options.signature ?? sign(body),
    },
    body,
  });
}
