// The typed shape of the whole database. Each area owns its table types in
// store/tables/; this file only joins them.
import type { Kysely } from 'kysely';
import type { FoundationTables } from './tables/foundation.js';

export interface Database extends FoundationTables {}

export type Db = Kysely<Database>;
