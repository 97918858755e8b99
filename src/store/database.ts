// The typed shape of the whole database. Each area owns its table types in
// store/tables/; this file only joins them.
import type { Kysely } from 'kysely';
import type { ApprovalTables } from './tables/approvals.js';
import type { ApprovalInputTables } from './tables/approval-inputs.js';
import type { EvaluationTables, FoundationTables } from './tables/foundation.js';
import type { GovernanceTables } from './tables/governance.js';
import type { DriftTables } from './tables/drift.js';
import type { PackCacheTables } from './tables/pack-cache.js';
import type { AdminTestRunTables } from './tables/admin-test-runs.js';
import type { WritePacingTables } from './tables/write-pacing.js';

export interface Database
  extends FoundationTables, GovernanceTables, ApprovalTables, EvaluationTables, ApprovalInputTables, DriftTables, PackCacheTables, AdminTestRunTables, WritePacingTables {}

export type Db = Kysely<Database>;
