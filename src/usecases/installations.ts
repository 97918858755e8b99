// Keeps the installations table current from installation and
// installation_repositories events.
import type { InstallationChange } from '../github/payloads.js';
import type { InstallationRepository } from '../store/installations.js';

export async function recordInstallation(store: InstallationRepository, change: InstallationChange, now: Date): Promise<void> {
  if (change.status === undefined) return;
  await store.upsert({ id: change.id, accountLogin: change.accountLogin, accountType: change.accountType, status: change.status, repositories: change.repositories }, now);
  if (change.added.length > 0 || change.removed.length > 0) await store.changeRepositories(change.id, { added: change.added, removed: change.removed }, now);
}
