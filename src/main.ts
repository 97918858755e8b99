// Process entry: settings, store and migrations, then the HTTP server (src/http/server.ts:
// Probot's server behind the webhook body limit). With no APP_ID or private key Probot's own
// `run` serves its setup page for registering the App.
import { Probot, run } from 'probot';
import type { Logger } from 'pino';
import { loadSettings, SettingsError, type Settings } from './config.js';
import { openDatabase } from './store/open.js';
import { migrateToLatest } from './store/migrate.js';
import { puddleJumperApp } from './app.js';
import { wire } from './routes.js';
import { controlPlane } from './control-plane.js';
import { outboxOctokit, sharedWritePacing } from './github/octokit.js';
import { isPostgres } from './store/dialect.js';
import { sqlWriteSlots } from './store/write-pacing.js';
import { startServer } from './http/server.js';
import { untrustedDocuments } from './sandbox/untrusted.js';
import { registerControlPlaneInSetup } from './admin/setup-manifest.js';

async function main(): Promise<void> {
  if (process.env.PJ_PLAYGROUND === '1') {
    // The local playground (src/playground): loaded only when asked for, never in normal mode.
    const { runPlayground } = await import('./playground/cli.js');
    process.exitCode = await runPlayground([], { out: (t) => console.log(t), err: (t) => console.error(t), cwd: process.cwd() });
    return;
  }
  const settings = loadSettings();
  const db = openDatabase(settings.databaseUrl, { poolSize: settings.dbPoolSize });
  await migrateToLatest(db);
  // PR specs and config-repo PR packs are parsed in worker threads, each with a deadline.
  const untrusted = untrustedDocuments({ deadlineMs: settings.parseDeadlineMs });
  let dispatch: ((installationId: number) => Promise<unknown>) | undefined;
  let wiring: ReturnType<typeof wire> | undefined;
  const routes = (app: Parameters<typeof wire>[0]['app']) => {
    wiring = wire({ app, db, settings, startWorker: true, untrusted });
    dispatch = wiring.dispatch;
    return wiring.routes;
  };
  // The control plane (/admin, /api/v1) is built once the routes are wired.
  const handlers = () => (wiring ? [controlPlane({ wiring, db, settings })] : []);
  const app = puddleJumperApp({
    db,
    routes,
    handlers,
    dispatch: (id) => dispatch?.(id) ?? Promise.resolve(),
    resumeIntervalMs: settings.workerIntervalMs,
  });
  const env = probotEnv(settings);
  // Replicas on one Postgres share GitHub write pacing through it (github/octokit.ts); one
  // process on SQLite keeps Octokit's in-memory pacing.
  const OutboxOctokit = outboxOctokit(isPostgres(db) ? sharedWritePacing(sqlWriteSlots(db)) : undefined);
  if (!settings.appId || !settings.privateKey) {
    // Setup mode: Probot's page for registering the App; no webhooks are received yet. The
    // manifest it posts carries the control plane's OAuth callback and our webhook URL.
    await registerControlPlaneInSetup({ publicUrl: settings.admin.publicUrl, webhookPath: settings.webhookPath });
    await run(app, { env, Octokit: OutboxOctokit });
    return;
  }
  // A throwaway Probot gives the logger `run` would have made (LOG_LEVEL, LOG_FORMAT, SENTRY_DSN).
  const bootstrap = new Probot({ appId: settings.appId, privateKey: settings.privateKey, logLevel: settings.logLevel, logFormat: logFormat(env) });
  await bootstrap.ready();
  const log = bootstrap.log as unknown as Logger;
  const { server } = await startServer(app, {
    ...(settings.host ? { host: settings.host } : {}),
    port: settings.port,
    log,
    webhookPath: settings.webhookPath,
    ...(env.WEBHOOK_PROXY_URL ? { webhookProxy: env.WEBHOOK_PROXY_URL } : {}),
    Probot: Probot.defaults({
      appId: settings.appId,
      privateKey: settings.privateKey,
      ...(settings.webhookSecret ? { secret: settings.webhookSecret } : {}),
      baseUrl: settings.githubBaseUrl,
      // Writes are retried by the action outbox (counted, audited, durable), not inside a call.
      Octokit: OutboxOctokit,
    }),
  });
  const stop = async (signal: string) => {
    log.info(`${signal}: stopping`);
    app.stop();
    await server.stop();
    await untrusted.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/** Probot reads its own settings from an env object; hand it the validated ones. */
function probotEnv(settings: Settings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(settings.port), LOG_LEVEL: settings.logLevel };
  if (settings.host) env.HOST = settings.host;
  if (settings.privateKey) {
    env.PRIVATE_KEY = settings.privateKey;
    delete env.PRIVATE_KEY_PATH;
  }
  return env;
}

function logFormat(env: NodeJS.ProcessEnv): 'json' | 'pretty' {
  if (env.LOG_FORMAT) return env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json';
  return env.NODE_ENV === 'production' ? 'json' : 'pretty';
}

main().catch((error: unknown) => {
  const message = error instanceof SettingsError ? error.message : (error as Error).stack ?? String(error);
  console.error(`puddlejumper: ${message}`);
  process.exit(1);
});
