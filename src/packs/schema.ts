// The policy-pack schema: the one authority on what a pack may say.
// Every object is strict: an unknown key is an error, because a typo
// (`enforcment: {mode: block}`) must never switch a gate off silently.
import { z } from 'zod';
import { globProblem } from './globs.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

const Login = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, 'must be a GitHub login');
const TeamRef = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/, 'must be "org/team-slug"');
const RepoFullName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/, 'must be "owner/repo"');
const Glob = z
  .string()
  .min(1, 'a glob may not be empty')
  .superRefine((glob, ctx) => {
    const problem = globProblem(glob);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const EnvVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name');
const Fraction = z.number().min(0).max(1);
const Percent = z.number().min(0).max(100);

export const PackId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" and "-", at most 64');
export const TierId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a simple identifier');

/** A type-specific `config` block, validated later against the schema its owner registered. */
const TypedConfig = z.record(z.string(), z.unknown()).default({});

export const Scope = z
  .strictObject({
    type: z.enum(['workspace', 'service', 'repo']),
    ref: z.string().min(1).optional(),
  })
  .refine((s) => s.type === 'workspace' || s.ref !== undefined, {
    message: 'scope.ref is required for service and repo scopes',
    path: ['ref'],
  });
export type Scope = z.infer<typeof Scope>;

export const Comparator = z.strictObject({
  type: z.string().min(1),
  enabled: z.boolean().default(true),
  severity: Severity.optional(),
  config: TypedConfig,
});
export type Comparator = z.infer<typeof Comparator>;

export const Enforcement = z
  .strictObject({
    mode: z.enum(['warn', 'block']).default('warn'),
    /**
     * In block mode, findings at or above this severity fail the contracts check until
     * the approval chain is done. A tier `requiredFor` a lower severity lowers it to that
     * severity: a chain that is required is always a gate in block mode.
     */
    blockAt: Severity.default('high'),
    criticalThreshold: Percent.default(90),
    highThreshold: Percent.default(70),
    mediumThreshold: Percent.default(40),
  })
  .refine((e) => e.criticalThreshold >= e.highThreshold && e.highThreshold >= e.mediumThreshold, {
    message: 'thresholds must satisfy critical >= high >= medium',
  });
export type Enforcement = z.infer<typeof Enforcement>;

export const TrackA = z.strictObject({
  enabled: z.boolean().default(true),
  surfaces: z.array(z.string().min(1)).default([]),
  comparators: z.array(Comparator).default([]),
  enforcement: Enforcement.default({ mode: 'warn', blockAt: 'high', criticalThreshold: 90, highThreshold: 70, mediumThreshold: 40 }),
  artifacts: z.array(z.strictObject({ type: z.string().min(1), path: z.string().min(1) })).default([]),
});
export type TrackA = z.infer<typeof TrackA>;

export const PrimaryDoc = z
  .strictObject({
    system: z.enum(['github', 'confluence', 'notion', 'backstage', 'gitbook']),
    repo: RepoFullName.optional(),
    path: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    title: z.string().optional(),
    class: z.string().min(1).optional(),
  })
  .refine((d) => d.path !== undefined || d.id !== undefined, { message: 'primaryDoc needs a path or an id' });
export type PrimaryDoc = z.infer<typeof PrimaryDoc>;

export const DriftType = z.strictObject({
  type: z.string().min(1),
  enabled: z.boolean().default(true),
  sectionTarget: z.string().min(1).optional(),
  config: TypedConfig,
});
export type DriftType = z.infer<typeof DriftType>;

export const OUTPUT_KINDS = ['remediation_pr', 'digest_issue', 'comment', 'slack', 'webhook'] as const;
export const OutputKind = z.enum(OUTPUT_KINDS);
export type OutputKind = z.infer<typeof OutputKind>;

export const Materiality = z
  .strictObject({
    autoApprove: Fraction.default(0.98),
    notify: Fraction.default(0.4),
    digestOnly: Fraction.default(0.3),
    ignore: Fraction.default(0.2),
  })
  .refine((m) => m.autoApprove >= m.notify && m.notify >= m.digestOnly && m.digestOnly >= m.ignore, {
    message: 'materiality must satisfy autoApprove >= notify >= digestOnly >= ignore',
  });
export type Materiality = z.infer<typeof Materiality>;

export const TrackB = z.strictObject({
  enabled: z.boolean().default(true),
  primaryDoc: PrimaryDoc.optional(),
  inputSources: z
    .array(z.strictObject({ type: z.string().min(1), enabled: z.boolean().default(true), config: TypedConfig }))
    .default([]),
  driftTypes: z.array(DriftType).default([]),
  allowedOutputs: z.array(OutputKind).default(['remediation_pr', 'digest_issue']),
  materiality: Materiality.default({ autoApprove: 0.98, notify: 0.4, digestOnly: 0.3, ignore: 0.2 }),
  /** New remediation PRs per installation and hour (flushes of breaking items are exempt). */
  prHourlyLimit: z.number().int().min(0).max(1000).default(2),
  /** Open remediation PRs per installation at once (flushes of breaking items are exempt). */
  prConcurrentLimit: z.number().int().min(0).max(1000).default(10),
  docTargeting: z
    .strictObject({
      strategy: z.enum(['primary_first', 'primary_only', 'all']).default('primary_first'),
      maxDocsPerDrift: z.number().int().min(1).max(20).default(3),
    })
    .optional(),
  noiseControls: z
    .strictObject({
      ignorePatterns: z.array(z.string()).default([]),
      ignorePaths: z.array(Glob).default([]),
      temporalAccumulation: z
        .strictObject({ enabled: z.boolean().default(false), windowDays: z.number().int().min(1).max(90).default(7) })
        .default({ enabled: false, windowDays: 7 }),
    })
    .default({ ignorePatterns: [], ignorePaths: [], temporalAccumulation: { enabled: false, windowDays: 7 } }),
});
export type TrackB = z.infer<typeof TrackB>;

export const ApprovalTier = z
  .strictObject({
    name: z.string().min(1),
    users: z.array(Login).default([]),
    teams: z.array(TeamRef).default([]),
    requiredFor: z.array(Severity).default([]),
  })
  .refine((t) => t.users.length + t.teams.length > 0, { message: 'a tier needs at least one user or team' });
export type ApprovalTier = z.infer<typeof ApprovalTier>;

export const ApprovalOptions = z.strictObject({
  invalidateOnPush: z.boolean().default(true),
  allowAuthor: z.boolean().default(false),
  distinctApprovers: z.boolean().default(true),
  changesRequested: z.enum(['reject', 'ignore']).default('reject'),
});
export type ApprovalOptions = z.infer<typeof ApprovalOptions>;

/** Explicit chains: severity -> groups run in order; each inner list is a parallel group of tier ids. */
export const ApprovalChains = z.partialRecord(Severity, z.array(z.array(TierId).min(1)).min(1));
export type ApprovalChains = z.infer<typeof ApprovalChains>;

export const Routing = z.strictObject({
  slackChannel: z.string().regex(/^[#@]?[\w.-]+$/, 'must be a Slack channel like "#platform"').optional(),
  emailList: z.array(z.email()).default([]),
  /** Outbound webhooks. The signing secret is read from the named environment variable, never from the pack. */
  webhooks: z
    .array(z.strictObject({ name: TierId, url: z.url({ protocol: /^https?$/ }), secretEnv: EnvVarName }))
    .default([]),
});
export type Routing = z.infer<typeof Routing>;

/**
 * Fields of the legacy ContractPack / DriftPlan records that have no home in the unified
 * model (workspaceId, dictionaries, extraction, safety, eligibility, impactRules, writeback,
 * ...). `pj migrate` writes them here so that `pj migrate --rollback` loses nothing.
 * PuddleJumper itself never reads them.
 */
const LegacyFields = z.record(z.string(), z.unknown());
export const Legacy = z.strictObject({
  contractPack: LegacyFields.optional(),
  driftPlan: LegacyFields.optional(),
});
export type Legacy = z.infer<typeof Legacy>;

export const Pack = z
  .strictObject({
    id: PackId,
    name: z.string().min(1),
    description: z.string().optional(),
    status: z.enum(['active', 'draft', 'archived']).default('active'),
    scope: Scope,
    repoAllowlist: z.array(RepoFullName).optional(),
    pathGlobs: z.array(Glob).optional(),
    testMode: z.strictObject({ enabled: z.boolean().default(false) }).default({ enabled: false }),
    trackA: TrackA.optional(),
    trackB: TrackB.optional(),
    approvalTiers: z.record(TierId, ApprovalTier).default({}),
    approvalChains: ApprovalChains.optional(),
    approvalOptions: ApprovalOptions.default({
      invalidateOnPush: true,
      allowAuthor: false,
      distinctApprovers: true,
      changesRequested: 'reject',
    }),
    routing: Routing.default({ emailList: [], webhooks: [] }),
    legacy: Legacy.optional(),
  })
  .superRefine((pack, ctx) => {
    // Every tier an explicit chain names must be declared.
    for (const [severity, groups] of Object.entries(pack.approvalChains ?? {})) {
      groups?.forEach((group, g) =>
        group.forEach((tier, t) => {
          if (!Object.hasOwn(pack.approvalTiers, tier)) {
            ctx.addIssue({
              code: 'custom',
              path: ['approvalChains', severity, g, t],
              message: `unknown tier "${tier}" (declared tiers: ${Object.keys(pack.approvalTiers).join(', ') || 'none'})`,
            });
          }
        }),
      );
    }
  });
export type Pack = z.infer<typeof Pack>;
export type PackInput = z.input<typeof Pack>;

/** services.yml: service name -> the repos and paths that make it up (for scope type service). */
export const ServiceCatalog = z.record(
  z.string().min(1),
  z.strictObject({ repos: z.array(RepoFullName).min(1), pathGlobs: z.array(Glob).optional() }),
);
export type ServiceCatalog = z.infer<typeof ServiceCatalog>;
