// The KnownTypes the app and the CLI validate packs with: the comparator config schemas
// Track A registers and the drift-type config schemas Track B registers.
import { comparatorConfigSchemas } from '../contracts/registry.js';
import { driftTypeConfigSchemas } from '../drift/types.js';
import type { KnownTypes } from '../packs/types.js';

export function defaultKnownTypes(): KnownTypes {
  return { comparators: comparatorConfigSchemas, driftTypes: driftTypeConfigSchemas };
}
