// The Track A comparator registry: implementations by type, and their strict config
// schemas, which pack validation uses to check each comparator's `config` block.
import type { ZodType } from 'zod';
import { changelogComparator } from './comparators/changelog-updated.js';
import { openapiDiffComparator } from './comparators/openapi-diff.js';
import { versionBumpComparator } from './comparators/openapi-version-bump.js';
import { couplingComparator } from './comparators/path-coupling.js';
import type { ComparatorImpl } from './comparators/types.js';

export type { ComparatorContext, ComparatorImpl } from './comparators/types.js';

export const comparators: ReadonlyMap<string, ComparatorImpl> = new Map(
  [openapiDiffComparator, versionBumpComparator, changelogComparator, couplingComparator].map((c) => [c.type, c] as const),
);

export const comparatorConfigSchemas: ReadonlyMap<string, ZodType> = new Map(
  [...comparators.values()].map((c) => [c.type, c.configSchema] as const),
);

export function getComparator(type: string): ComparatorImpl | undefined {
  return comparators.get(type);
}
