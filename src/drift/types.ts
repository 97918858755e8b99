// Track B drift types and the schemas of their `config` blocks in a pack
// (`trackB.driftTypes[].config`). The pack loader rejects a drift type that is not
// registered here and validates each config against its schema. Every schema is strict:
// a misspelt option is an error, never silently ignored.
import { z, type ZodType } from 'zod';

const Glob = z.string().min(1, 'a glob may not be empty');
const Globs = z.array(Glob);

/** Runbook instructions (commands, deployment steps) that a change makes stale. */
export const InstructionConfig = z.strictObject({
  /** Headings whose sections hold instructions; empty = every section. */
  sections: z.array(z.string().min(1)).optional(),
  /** Fenced-code languages whose blocks are treated as commands. */
  codeLanguages: z.array(z.string().min(1)).optional(),
  /** Files whose changes can make instructions stale (scripts, Makefiles, CI workflows). */
  sources: Globs.optional(),
});
export type InstructionConfig = z.infer<typeof InstructionConfig>;

/** API reference docs that an OpenAPI change makes stale. */
export const ApiReferenceConfig = z.strictObject({
  spec: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Docs that document the API, when they are not the pack's primary doc. */
  docPaths: Globs.optional(),
});
export type ApiReferenceConfig = z.infer<typeof ApiReferenceConfig>;

/** Environment variables added, renamed or removed in code but not in the docs. */
export const EnvVarConfig = z.strictObject({
  sources: Globs.optional(),
  /** Only variables with one of these prefixes count (e.g. PAYMENTS_). */
  prefixes: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment-variable prefix')).optional(),
  ignore: z.array(z.string().min(1)).optional(),
});
export type EnvVarConfig = z.infer<typeof EnvVarConfig>;

/** Owners named in docs that CODEOWNERS (or a service catalog) no longer agree with. */
export const OwnerConfig = z.strictObject({
  codeownersPath: z.string().min(1).optional(),
  /** Sections of the doc that name owners. */
  sections: z.array(z.string().min(1)).optional(),
});
export type OwnerConfig = z.infer<typeof OwnerConfig>;

export const DRIFT_TYPES = ['instruction', 'api_reference', 'env_var', 'owner'] as const;
export type DriftTypeName = (typeof DRIFT_TYPES)[number];

export const driftTypeConfigSchemas: ReadonlyMap<string, ZodType> = new Map<string, ZodType>([
  ['instruction', InstructionConfig],
  ['api_reference', ApiReferenceConfig],
  ['env_var', EnvVarConfig],
  ['owner', OwnerConfig],
]);
