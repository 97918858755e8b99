// Process entry: settings, store and migrations, then the Probot server.
// With no APP_ID Probot serves its setup page for registering the App.
import { run } from 'probot';
import { loadSettings, SettingsError, type Settings } from './config.js';
import { openDatabase } from './store/open.js';
import { migrateToLatest } from './store/migrate.js';
import { puddleJumperApp } from './app.js';
import { wire } from './routes.js';
import { OutboxOctokit } from './github/octokit.js';

async function main(): Promise<void> {
  const settings = loadSettings();
  const db = openDatabase(settings.databaseUrl, { poolSize: settings.dbPoolSize });
  await migrateToLatest(db);
  let dispatch: ((installationId: number) => Promise<unknown>) | undefined;
  const routes = (app: Parameters<typeof wire>[0]['app']) => {
    const wiring = wire({ app, db, settings, startWorker: true });
    dispatch = wiring.dispatch;
    return wiring.routes;
  };
  await run(puddleJumperApp({ db, routes, dispatch: (id) => dispatch?.(id) ?? Promise.resolve() }), {
    env: probotEnv(settings),
    // Writes are retried by the action outbox (counted, audited, durable), not inside a call.
    Octokit: OutboxOctokit,
  });
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

main().catch((error: unknown) => {
  const message = error instanceof SettingsError ? error.message : (error as Error).stack ?? String(error);
  console.error(`puddlejumper: ${message}`);
  process.exit(1);
});
