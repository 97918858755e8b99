// The ordered list of migrations. Kysely runs them by name, in order; a landed
// migration is frozen: change the schema with a new file, never by editing one.
import type { Migration } from 'kysely';
import * as m001 from './001_foundation.js';

export const migrations: Record<string, Migration> = {
  '001_foundation': m001,
};
