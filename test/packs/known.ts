// KnownTypes for the pack tests: the four comparator config shapes agreed with Track A
// and the registered drift types.
import { z } from 'zod';
import { driftTypeConfigSchemas } from '../../src/drift/types.js';
import type { KnownTypes } from '../../src/packs/types.js';

const Spec = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
export const testComparators = new Map<string, z.ZodType>([
  [
    'openapi.diff',
    z.strictObject({
      spec: Spec,
      severityOverrides: z.record(z.string(), z.enum(['ERR', 'WARN', 'INFO'])).optional(),
      ignore: z
        .array(z.strictObject({ rule: z.string().optional(), method: z.string().optional(), path: z.string().optional() }))
        .optional(),
    }),
  ],
  ['openapi.version_bump', z.strictObject({ spec: Spec.optional() })],
  ['changelog.updated', z.strictObject({ file: z.string().min(1).optional(), waiverLabel: z.string().min(1).optional() })],
  [
    'path.coupling',
    z.strictObject({
      rules: z
        .array(z.strictObject({ when: z.array(z.string().min(1)).min(1), require: z.array(z.string().min(1)).min(1), message: z.string().optional() }))
        .min(1),
    }),
  ],
]);

export const known: KnownTypes = { comparators: testComparators, driftTypes: driftTypeConfigSchemas };
