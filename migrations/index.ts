// The ordered list of migrations. Kysely runs them by name, in order; a landed
// migration is frozen: change the schema with a new file, never by editing one.
import type { Migration } from 'kysely';
import * as m001 from './001_foundation.js';
import * as m002 from './002_governance.js';
import * as m003 from './003_approvals.js';
import * as m004 from './004_evaluations.js';
import * as m005 from './005_audit_keyed.js';
import * as m006 from './006_evaluations_by_pr.js';
import * as m010 from './010_dismissed_reviews.js';
import * as m007 from './007_delivery_work.js';
import * as m011 from './011_drift.js';
import * as m012 from './012_admin_indexes.js';
import * as m013 from './013_drift_admin_indexes.js';

export const migrations: Record<string, Migration> = {
  '001_foundation': m001,
  '002_governance': m002,
  '003_approvals': m003,
  '004_evaluations': m004,
  '005_audit_keyed': m005,
  '006_evaluations_by_pr': m006,
  '010_dismissed_reviews': m010,
  '007_delivery_work': m007,
  '011_drift': m011,
  '012_admin_indexes': m012,
  '013_drift_admin_indexes': m013,
};
