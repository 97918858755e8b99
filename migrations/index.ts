// The ordered list of migrations. Kysely runs them by name, in order; a landed
// migration is frozen: change the schema with a new file, never by editing one.
import type { Migration } from 'kysely';
import * as m001 from './001_foundation.js';
import * as m002 from './002_governance.js';
import * as m003 from './003_approvals.js';
import * as m004 from './004_evaluations.js';
import * as m005 from './005_audit_keyed.js';
import * as m009 from './009_admin_indexes.js';

export const migrations: Record<string, Migration> = {
  '001_foundation': m001,
  '002_governance': m002,
  '003_approvals': m003,
  '004_evaluations': m004,
  '005_audit_keyed': m005,
  '009_admin_indexes': m009,
};
