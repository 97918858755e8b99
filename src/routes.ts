// Composition root of the webhook use cases: which event runs what, and the
// background worker that dispatches what the webhooks proposed.
import type { Probot } from 'probot';
import type { Db } from './store/database.js';
import type { Settings } from './config.js';
import type { EventRoutes } from './app.js';
import type { Octokit } from './governance/octokit.js';
import { Worker } from './governance/pipeline.js';
import { installationHandlers } from './usecases/installations.js';
import { createServices, type Services } from './usecases/services.js';
import { eventRoutes } from './usecases/events.js';

export interface RouteDeps {
  app: Probot;
  db: Db;
  settings: Settings;
  now?: () => Date;
  /** Start the dispatch worker (production); tests drive the pipeline themselves. */
  startWorker?: boolean;
  /** Overrides for tests (a fixed app slug, a fake clock, retry policies). */
  services?: Partial<Pick<Parameters<typeof createServices>[0], 'appSlug' | 'retry' | 'fetch'>>;
  onServices?: (services: Services) => void;
}

export function buildRoutes(deps: RouteDeps): EventRoutes {
  const log = deps.app.log;
  const services = createServices({
    db: deps.db,
    configRepo: deps.settings.configRepo,
    packsDir: deps.settings.packsDir,
    env: deps.settings.env,
    auth: async (installationId) => (await deps.app.auth(installationId)) as unknown as Octokit,
    appSlug: memo(async () => {
      const octokit = await deps.app.auth();
      const { data } = await octokit.request('GET /app');
      return data?.slug ?? 'puddlejumper';
    }),
    log: log as unknown as Parameters<typeof createServices>[0]['log'],
    audit: { key: deps.settings.auditKey, checkpointEvery: deps.settings.auditCheckpointEvery },
    ...(deps.now ? { now: deps.now } : {}),
    ...deps.services,
  });
  deps.onServices?.(services);
  if (deps.settings.production && !deps.settings.auditKey) {
    log.warn('PJ_AUDIT_KEY is not set: the audit log is a plain hash chain, so anyone who can write the database can forge or rewrite it undetected; set PJ_AUDIT_KEY to key it');
  }
  if (deps.startWorker) new Worker(services.pipeline, { intervalMs: deps.settings.workerIntervalMs, log: services.log }).start();
  const installations = installationHandlers(deps.db, deps.now);
  return {
    installation: installations.installation,
    installation_repositories: installations.installation_repositories,
    ...eventRoutes(services),
  };
}

function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}
