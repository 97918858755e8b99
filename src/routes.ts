// Composition root of the webhook use cases: which event runs what.
import type { Probot } from 'probot';
import type { Db } from './store/database.js';
import type { Settings } from './config.js';
import type { EventRoutes } from './app.js';
import { installationHandlers } from './usecases/installations.js';

export interface RouteDeps {
  app: Probot;
  db: Db;
  settings: Settings;
  now?: () => Date;
}

export function buildRoutes(deps: RouteDeps): EventRoutes {
  const installations = installationHandlers(deps.db, deps.now);
  return {
    installation: installations.installation,
    installation_repositories: installations.installation_repositories,
  };
}
