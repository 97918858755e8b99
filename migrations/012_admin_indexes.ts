// Frozen once landed: add a new numbered migration instead of editing this one.
// Indexes for the control plane's read queries (src/store/admin.ts): every page walks an
// index in its sort order and stops after one page, however large the tables are.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Approvals: the current pending chains, newest or oldest first, scoped by repo owner.
  await db.schema
    .createIndex('approval_chains_pending')
    .on('approval_chains')
    .columns(['repo', 'created_at', 'id'])
    .where((eb) => eb.and([eb(sql.ref('status'), '=', 'pending'), eb(sql.ref('superseded_at'), 'is', null)]))
    .execute();
  await db.schema.createIndex('approval_chains_repo_created').on('approval_chains').columns(['repo', 'created_at']).execute();
  await db.schema.createIndex('approval_steps_chain').on('approval_steps').columns(['chain_id', 'status', 'position']).execute();
  // Dispatches: the outbox newest first, per installation and by status.
  await db.schema.createIndex('actions_installation_id').on('actions').columns(['installation_id', 'id']).execute();
  await db.schema.createIndex('actions_status_id').on('actions').columns(['status', 'id']).execute();
  await db.schema.createIndex('actions_pr').on('actions').columns(['repo', 'pr_number']).execute();
  await db.schema.createIndex('actions_kind_created').on('actions').columns(['kind', 'created_at', 'installation_id']).execute();
  // Dashboard: finished actions in a window, counted from the index alone.
  await db.schema.createIndex('actions_finished').on('actions').columns(['installation_id', 'status', 'updated_at', 'attempts']).execute();
  // Audit: newest first, filtered by installation, type, actor or repo.
  await db.schema.createIndex('audit_events_installation_id').on('audit_events').columns(['installation_id', 'id']).execute();
  await db.schema.createIndex('audit_events_type_id').on('audit_events').columns(['type', 'id']).execute();
  await db.schema.createIndex('audit_events_installation_type').on('audit_events').columns(['installation_id', 'type', 'id']).execute();
  await db.schema.createIndex('audit_events_installation_actor').on('audit_events').columns(['installation_id', 'actor', 'id']).execute();
  await db.schema.createIndex('audit_events_installation_repo').on('audit_events').columns(['installation_id', 'repo', 'id']).execute();
  // Packs: the last evaluations of an installation.
  await db.schema.createIndex('contract_evaluations_installation').on('contract_evaluations').columns(['installation_id', 'evaluated_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'contract_evaluations_installation',
    'audit_events_installation_repo',
    'audit_events_installation_actor',
    'audit_events_installation_type',
    'actions_finished',
    'audit_events_type_id',
    'audit_events_installation_id',
    'actions_kind_created',
    'actions_pr',
    'actions_status_id',
    'actions_installation_id',
    'approval_steps_chain',
    'approval_chains_repo_created',
    'approval_chains_pending',
  ]) {
    await db.schema.dropIndex(name).execute();
  }
}
