// The policy-pack schema: the one authority on what a pack may say.
// Every object is strict: an unknown key is an error, because a typo
// (`enforcment: {mode: block}`) must never switch a gate off silently.
import { z } from 'zod';
import { globProblem } from './globs.js';
import { DEFAULT_CHANNEL_EVENTS, DEFAULT_ESCALATE_AFTER_HOURS, NOTIFY_EVENTS, TIER_EVENTS, type NotifyChannel } from './notify-events.js';

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

/** A secondary doc of `docTargeting`: a Markdown file in a github repo (the primary doc's repo when `repo` is left out). */
export const SecondaryDoc = z.strictObject({
  repo: RepoFullName.optional(),
  path: z.string().min(1),
});
export type SecondaryDoc = z.infer<typeof SecondaryDoc>;

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
      strategy: z
        .enum(['primary_first', 'primary_only', 'all'])
        .default('primary_first')
        .meta({ description: "primary_first: patch the primary doc and list the secondary docs' mentions of each item; primary_only: list none. 'all' (patch every doc) is not supported yet and is refused." }),
      maxDocsPerDrift: z.number().int().min(1).max(20).default(3),
      /** Other github docs that may mention what an item is about: primary_first lists those mentions beside the primary doc's patch. */
      secondaryDocs: z
        .array(SecondaryDoc)
        .max(20)
        .default([])
        .meta({ description: 'Markdown files (github; the primary doc\'s repo when repo is left out) searched for mentions of each drift item\'s subject; at most maxDocsPerDrift docs per item are listed, the primary doc included.' }),
    })
    .refine((t) => t.strategy !== 'all', { message: "docTargeting.strategy 'all' (patching every doc) is not supported yet: use primary_first (patch the primary doc, list the secondary docs' mentions) or primary_only", path: ['strategy'] })
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

// ---- Notifications: the names of the events and what may be routed where. ----
export const NotifyEvent = z.enum(NOTIFY_EVENTS);

const SlackChannel = z
  .string()
  .regex(/^[#@]?[\w.-]+$/, 'must be a Slack channel like "#platform"')
  .meta({ description: 'A Slack channel name ("#platform") or id ("C0123456789").', examples: ['#platform', 'C0123456789'] });

/**
 * The name of an environment variable that holds a secret for a pack. Pack authors are not
 * trusted with the App's own secrets (PRIVATE_KEY, WEBHOOK_SECRET, tokens): only variables
 * whose name starts with PJ_SECRET_ can be named.
 */
export const SECRET_ENV_PREFIX = 'PJ_SECRET_';
const SecretEnv = z
  .string()
  .regex(
    /^PJ_SECRET_[A-Z0-9_]+$/,
    'must name an environment variable starting with PJ_SECRET_ (e.g. PJ_SECRET_OPS_HOOK); a pack may not use the App\'s own secrets',
  );

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** https, or http to a loopback host (used only when PJ_ALLOW_HTTP_WEBHOOKS=1 at dispatch time). */
const WebhookUrl = z
  .url({ protocol: /^https?$/, abort: true, error: 'must be an https URL' })
  .refine(
    (u) => {
      try {
        const url = new URL(u);
        return url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
      } catch {
        return false;
      }
    },
    { message: 'must be an https URL (plain http only to a loopback host, for tests with PJ_ALLOW_HTTP_WEBHOOKS=1)' },
  )
  .refine((u) => !/^https?:\/\/[^/]*@/.test(u), { message: 'must not carry credentials in the URL; sign with secretEnv instead' });

function eventsFilter(channel: NotifyChannel, what: string) {
  const defaults = [...DEFAULT_CHANNEL_EVENTS[channel]];
  return z
    .array(NotifyEvent)
    .optional()
    .meta({
      description: `The events ${what} receives. Default: ${defaults.join(', ')}. An empty list mutes it.`,
      default: defaults,
      examples: [['contracts.blocked', 'step.escalated', 'chain.completed']],
    });
}

export const WebhookRoute = z.strictObject({
  name: TierId.optional().meta({ description: 'A name for the hook in logs and audit events (defaults to its URL host).', examples: ['ops'] }),
  url: WebhookUrl.meta({
    description:
      'Where the signed JSON event (schema puddlejumper.event/v1) is POSTed. https only; the address it resolves to must be public ' +
      'unless its host is in PJ_WEBHOOK_ALLOWED_HOSTS. Redirects are not followed.',
    examples: ['https://hooks.example.com/puddlejumper'],
  }),
  secretEnv: SecretEnv.meta({
    description:
      'The environment variable (prefix PJ_SECRET_) that holds the HMAC-SHA256 secret; the signature is sent as ' +
      'X-PuddleJumper-Signature-256: sha256=<hex>. The secret itself never goes in the pack.',
    examples: ['PJ_SECRET_OPS_HOOK'],
  }),
  events: eventsFilter('webhook', 'this webhook'),
});
export type WebhookRoute = z.infer<typeof WebhookRoute>;

export const PagerDutyRoute = z.strictObject({
  routingKeyEnv: SecretEnv.meta({
    description: 'The environment variable (prefix PJ_SECRET_) that holds the PagerDuty Events API v2 integration (routing) key.',
    examples: ['PJ_SECRET_PAGERDUTY_PAYMENTS'],
  }),
  events: eventsFilter(
    'pagerDuty',
    'PagerDuty (trigger; the incident of an escalated chain is resolved when the chain completes, is rejected or superseded)',
  ),
});
export type PagerDutyRoute = z.infer<typeof PagerDutyRoute>;

export const ApprovalTier = z
  .strictObject({
    name: z.string().min(1),
    users: z.array(Login).default([]),
    teams: z.array(TeamRef).default([]),
    requiredFor: z.array(Severity).default([]),
    emails: z
      .array(z.email())
      .optional()
      .meta({
        description: `Addresses told when a step of this tier needs approval and when it is escalated (${TIER_EVENTS.join(', ')}).`,
        examples: [['directors@example.com']],
      }),
    slackChannel: SlackChannel.optional().meta({
      description: `A Slack channel told when a step of this tier needs approval and when it is escalated (${TIER_EVENTS.join(', ')}).`,
      examples: ['#directors'],
    }),
    escalateAfterHours: z
      .number()
      .min(0)
      .max(24 * 365)
      .optional()
      .meta({
        description:
          `Hours an active step of this tier may wait before it is escalated (event step.escalated, repeated at most once a day). ` +
          `Default ${DEFAULT_ESCALATE_AFTER_HOURS}; 0 never escalates.`,
        default: DEFAULT_ESCALATE_AFTER_HOURS,
        examples: [8, 48],
      }),
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
  slackChannel: SlackChannel.optional().meta({
    description: 'The Slack channel of the pack: one message per approval chain, updated in place, with a thread reply per decision.',
    examples: ['#payments'],
  }),
  slackEvents: eventsFilter('slack', 'slackChannel'),
  emailList: z
    .array(z.email())
    .default([])
    .meta({ description: 'Addresses that receive the pack\'s notifications by email (one mail per address and event).', examples: [['payments-team@example.com']] }),
  emailEvents: eventsFilter('email', 'emailList'),
  pagerDuty: PagerDutyRoute.optional().meta({
    description: 'PagerDuty Events API v2: escalations and permanent action failures trigger an incident.',
    examples: [{ routingKeyEnv: 'PJ_SECRET_PAGERDUTY_PAYMENTS' }],
  }),
  /** Outbound webhooks. The signing secret is read from the named environment variable, never from the pack. */
  webhooks: z
    .array(WebhookRoute)
    .default([])
    .meta({
      description: 'Outbound webhooks: a signed JSON POST per event.',
      examples: [[{ url: 'https://hooks.example.com/puddlejumper', secretEnv: 'PJ_SECRET_OPS_HOOK', events: ['step.escalated', 'chain.completed'] }]],
    }),
  reviewRequests: z
    .boolean()
    .optional()
    .meta({
      description: 'Request reviews on the pull request from the users and teams of each active step (and withdraw them once it is decided). Default true.',
      default: true,
      examples: [false],
    }),
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
    testMode: z
      .strictObject({
        enabled: z.boolean().default(false),
        notify: z.boolean().optional().meta({
          description: 'Whether a pack in test mode sends its notifications (each marked "[test mode]"). Default false: it sends none.',
          default: false,
          examples: [true],
        }),
      })
      .default({ enabled: false }),
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
