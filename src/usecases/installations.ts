// Keeps the installations table current from installation and
// installation_repositories events.
import type { Db } from '../store/database.js';
import { changeInstallationRepositories, upsertInstallation } from '../store/installations.js';
import type { AnyContext } from '../app.js';

const STATUS_BY_ACTION: Record<string, 'active' | 'suspended' | 'deleted'> = {
  created: 'active',
  new_permissions_accepted: 'active',
  unsuspend: 'active',
  suspend: 'suspended',
  deleted: 'deleted',
};

interface InstallationPayload {
  action: string;
  installation: { id: number; account: { login: string; type: string } | null };
  repositories?: Array<{ full_name: string }>;
  repositories_added?: Array<{ full_name: string }>;
  repositories_removed?: Array<{ full_name?: string }>;
}

export function installationHandlers(db: Db, now: () => Date = () => new Date()) {
  return {
    async installation(context: AnyContext): Promise<void> {
      const p = context.payload as InstallationPayload;
      const status = STATUS_BY_ACTION[p.action];
      if (!status) return;
      await upsertInstallation(
        db,
        {
          id: p.installation.id,
          accountLogin: p.installation.account?.login ?? 'unknown',
          accountType: p.installation.account?.type ?? 'unknown',
          status,
          repositories: p.repositories?.map((r) => r.full_name),
        },
        now(),
      );
    },
    async installation_repositories(context: AnyContext): Promise<void> {
      const p = context.payload as InstallationPayload;
      await upsertInstallation(
        db,
        {
          id: p.installation.id,
          accountLogin: p.installation.account?.login ?? 'unknown',
          accountType: p.installation.account?.type ?? 'unknown',
          status: 'active',
        },
        now(),
      );
      await changeInstallationRepositories(
        db,
        p.installation.id,
        {
          added: (p.repositories_added ?? []).map((r) => r.full_name),
          removed: (p.repositories_removed ?? []).flatMap((r) => (r.full_name ? [r.full_name] : [])),
        },
        now(),
      );
    },
  };
}
