// Issue 12, sign-in for a new user: Probot's setup page (npm start without APP_ID) registers
// the App from app.yml, but Probot templates nothing in app.yml, so the control plane's OAuth
// callback was left for the user to add by hand. The manifest the page posts now carries it,
// and the webhook URL at this server's webhook path (app.yml's placeholder no longer wins).
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { run } from 'probot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appManifest, registerControlPlaneInSetup } from '../../src/admin/setup-manifest.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the App manifest of the setup flow', () => {
  it("Probot's setup page posts the control plane's callback and our webhook URL, with app.yml's events and permissions", async () => {
    // Probot would otherwise fetch a smee channel (network) for the webhook URL.
    vi.stubEnv('NO_SMEE_SETUP', 'true');
    vi.stubEnv('WEBHOOK_PROXY_URL', '');
    await registerControlPlaneInSetup({ webhookPath: '/api/github/webhooks' });
    const port = await freePort();
    const quiet = { updateEnv: () => ({}) };
    const server = await run(() => {}, { env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'fatal', NODE_ENV: 'test' }, ...quiet } as never);
    try {
      const page = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
      const posted = /name="manifest" id="manifest" value='([^']*)'/.exec(page)?.[1];
      expect(posted).toBeDefined();
      const manifest = JSON.parse(posted!) as Record<string, unknown>;
      expect(manifest.callback_urls).toEqual([`http://127.0.0.1:${port}/admin/oauth/callback`]);
      expect(manifest.hook_attributes).toEqual({ url: `http://127.0.0.1:${port}/api/github/webhooks` });
      expect(manifest.redirect_url).toBe(`http://127.0.0.1:${port}/probot/setup`);
      const appYml = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as Record<string, unknown>;
      expect(manifest.default_events).toEqual(appYml.default_events);
      expect(manifest.default_permissions).toEqual(appYml.default_permissions);
      expect(manifest.public).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('PJ_PUBLIC_URL wins over the request; a smee channel is the webhook URL; callbacks already listed stay, ours first', () => {
    const m = appManifest(
      { name: 'PuddleJumper', hook_attributes: { url: 'https://example.invalid/api/github/webhooks', active: true }, callback_urls: ['https://other.example/cb', 'https://pj.example.com/admin/oauth/callback'] },
      { baseUrl: 'http://localhost:3000', publicUrl: 'https://pj.example.com/', webhookPath: '/api/github/webhooks', webhookProxyUrl: 'https://smee.io/abc' },
    );
    expect(m.callback_urls).toEqual(['https://pj.example.com/admin/oauth/callback', 'https://other.example/cb']);
    expect(m.hook_attributes).toEqual({ url: 'https://smee.io/abc', active: true });
    expect(appManifest({}, { baseUrl: 'http://localhost:3000', webhookPath: '/hooks' }).hook_attributes).toEqual({ url: 'http://localhost:3000/hooks' });
  });
});
