// Environment settings, validated once at start. A bad value stops start-up with
// one line that names the variable and what is wrong with it.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Port = z.coerce.number().int().min(0).max(65_535);

const EnvSchema = z.object({
  NODE_ENV: z.string().optional(),
  APP_ID: z
    .string()
    .regex(/^\d+$/, 'must be the numeric App ID')
    .optional(),
  PRIVATE_KEY: z.string().optional(),
  PRIVATE_KEY_PATH: z.string().optional(),
  WEBHOOK_SECRET: z.string().min(1).optional(),
  WEBHOOK_PATH: z.string().startsWith('/').default('/api/github/webhooks'),
  GHE_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'must be a host name such as github.example.com')
    .optional(),
  GHE_PROTOCOL: z.enum(['https', 'http']).default('https'),
  PORT: Port.default(3000),
  HOST: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  DATABASE_URL: z
    .string()
    .min(1)
    .refine((v) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^(postgres|postgresql|sqlite):/i.test(v), 'must be a SQLite file path, a sqlite: URL or a postgres:// URL')
    .default('./data/puddlejumper.db'),
  // Postgres only: connections per replica (every replica has its own pool).
  PJ_DB_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  PJ_CONFIG_REPO: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'must be a repository name in the installation account, such as .github')
    .default('.github'),
  PJ_PACKS_DIR: z
    .string()
    .regex(/^[^/].*[^/]$|^[^/]$/, 'must be a relative folder without leading or trailing slash')
    .default('policy-packs'),
  PJ_WORKER_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
  PJ_REQUIRE_CONFIG: z.enum(['', '0', '1', 'false', 'true'], { error: 'must be 1 or 0 (true or false)' }).default(''),
  // Empty counts as unset (an `.env` template line); the value is never echoed in an error.
  PJ_AUDIT_KEY: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().min(32, 'must be at least 32 characters (e.g. the output of `openssl rand -hex 32`)').optional(),
  ),
  PJ_AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(1000),
  PJ_PACK_CACHE_RETENTION_DAYS: z.coerce.number().int().min(1).default(7),
  // The control plane (src/admin/): sign-in with the App's OAuth client, sessions, the JSON API.
  GITHUB_CLIENT_ID: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  GITHUB_CLIENT_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  PJ_SESSION_SECRET: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .refine((v) => v.split(',').every((s) => s.trim().length >= 32), 'each comma-separated secret must be at least 32 characters')
      .optional(),
  ),
  PJ_ADMIN_TEAM: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^([A-Za-z0-9-]+\/)?[A-Za-z0-9._-]+$/, 'must be a team slug (admins) or org/slug (acme/admins)').optional(),
  ),
  PJ_ADMIN_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32, 'must be at least 32 characters').optional()),
  PJ_PUBLIC_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  GITHUB_OAUTH_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  PJ_API_RATE_LIMIT_INSTALLATION: z.coerce.number().int().min(1).default(600),
  PJ_API_RATE_LIMIT_IP: z.coerce.number().int().min(1).default(300),
  PJ_API_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  PJ_PARSE_DEADLINE_MS: z.coerce.number().int().min(100, 'must be at least 100 (milliseconds)').default(20_000),
});

export interface Settings {
  production: boolean;
  appId?: number;
  privateKey?: string;
  webhookSecret?: string;
  webhookPath: string;
  githubBaseUrl: string;
  port: number;
  host?: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  databaseUrl: string;
  /** PJ_DB_POOL_SIZE: connections in this process's Postgres pool (ignored on SQLite). */
  dbPoolSize: number;
  configRepo: string;
  packsDir: string;
  workerIntervalMs: number;
  /** PJ_REQUIRE_CONFIG: a config repo the App cannot read fails the contracts check (default: neutral). */
  requireConfig: boolean;
  /** PJ_AUDIT_KEY: the HMAC key of the audit chain; never stored, logged or exported. */
  auditKey?: string;
  /** Log the audit chain's head every this many rows. */
  auditCheckpointEvery: number;
  /** PJ_PACK_CACHE_RETENTION_DAYS: the shared pack cache drops listings and blobs unused this long. */
  packCacheRetentionDays: number;
  /** The control plane's settings (src/admin/). */
  admin: AdminSettings;
  /** How long one untrusted document (a PR's spec, a config-repo PR's packs, a doc Track B reads) may take to parse and compare off the event loop. */
  parseDeadlineMs: number;
  /** The raw environment, for the dispatchers' credentials (Slack token, webhook secrets). */
  env: Record<string, string | undefined>;
}

export interface AdminSettings {
  /** GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET: the App's OAuth client; sign-in is off without both. */
  clientId?: string;
  clientSecret?: string;
  /** PJ_SESSION_SECRET split at commas: sign with the first, accept any (rotation). */
  sessionSecrets: string[];
  /** PJ_ADMIN_TEAM: `slug` (that team of each installation's organisation) or `org/slug`. */
  adminTeam?: string;
  /** PJ_ADMIN_TOKEN: `Authorization: Bearer` for scripts on the JSON API (every installation). */
  adminToken?: string;
  /** PJ_PUBLIC_URL: where browsers reach the app (the OAuth callback is built from it). */
  publicUrl?: string;
  /** GITHUB_OAUTH_URL: where the OAuth web flow lives (https://github.com, or the GHE host). */
  oauthUrl: string;
  /** The API the user's token is used against (the App's githubBaseUrl). */
  apiUrl: string;
  rateLimit: { perInstallation: number; perIp: number; windowSeconds: number };
  /** Secure cookies (production). */
  secureCookies: boolean;
}

export class SettingsError extends Error {}

/** Reads and checks the environment; throws SettingsError with a one-line reason. */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SettingsError(`invalid setting ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const privateKey = readPrivateKey(e.PRIVATE_KEY, e.PRIVATE_KEY_PATH);
  if (production) {
    const missing = [
      e.APP_ID ? undefined : 'APP_ID',
      privateKey ? undefined : 'PRIVATE_KEY (or PRIVATE_KEY_PATH)',
      e.WEBHOOK_SECRET ? undefined : 'WEBHOOK_SECRET',
    ].filter((m): m is string => m !== undefined);
    if (missing.length > 0) {
      throw new SettingsError(`NODE_ENV=production needs ${missing.join(', ')}: set ${missing.length > 1 ? 'them' : 'it'} in the environment`);
    }
  }
  return {
    production,
    appId: e.APP_ID ? Number(e.APP_ID) : undefined,
    privateKey,
    webhookSecret: e.WEBHOOK_SECRET,
    webhookPath: e.WEBHOOK_PATH,
    githubBaseUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` : 'https://api.github.com',
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    dbPoolSize: e.PJ_DB_POOL_SIZE,
    configRepo: e.PJ_CONFIG_REPO,
    packsDir: e.PJ_PACKS_DIR,
    workerIntervalMs: e.PJ_WORKER_INTERVAL_MS,
    requireConfig: e.PJ_REQUIRE_CONFIG === '1' || e.PJ_REQUIRE_CONFIG === 'true',
    auditKey: e.PJ_AUDIT_KEY,
    auditCheckpointEvery: e.PJ_AUDIT_CHECKPOINT_EVERY,
    packCacheRetentionDays: e.PJ_PACK_CACHE_RETENTION_DAYS,
    admin: {
      clientId: e.GITHUB_CLIENT_ID,
      clientSecret: e.GITHUB_CLIENT_SECRET,
      sessionSecrets: (e.PJ_SESSION_SECRET ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0),
      adminTeam: e.PJ_ADMIN_TEAM,
      adminToken: e.PJ_ADMIN_TOKEN,
      publicUrl: e.PJ_PUBLIC_URL?.replace(/\/+$/, ''),
      oauthUrl: (e.GITHUB_OAUTH_URL ?? (e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}` : 'https://github.com')).replace(/\/+$/, ''),
      apiUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` : 'https://api.github.com',
      rateLimit: { perInstallation: e.PJ_API_RATE_LIMIT_INSTALLATION, perIp: e.PJ_API_RATE_LIMIT_IP, windowSeconds: e.PJ_API_RATE_WINDOW_SECONDS },
      secureCookies: production,
    },
    parseDeadlineMs: e.PJ_PARSE_DEADLINE_MS,
    env,
  };
}

function readPrivateKey(inline: string | undefined, path: string | undefined): string | undefined {
  if (inline) {
    // Platforms that cannot hold newlines in a variable pass them escaped.
    const key = inline.includes('\\n') ? inline.replace(/\\n/g, '\n') : inline;
    if (!key.includes('PRIVATE KEY-----')) throw new SettingsError('invalid setting PRIVATE_KEY: not a PEM private key');
    return key;
  }
  if (path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new SettingsError(`invalid setting PRIVATE_KEY_PATH: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return undefined;
}
