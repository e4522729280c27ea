import path from 'node:path';
import { z } from 'zod';
import { parseWebhookAllowList, type WebhookAllowList } from './modules/notifications/index.js';

/**
 * The hub's configuration: the environment parsed once, at start, into one frozen object.
 * Every invalid value is reported together so that a bad deploy fails at start with the whole list.
 */

const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'must be true or false (1/0, yes/no, on/off)' })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h)?$/, { message: 'must be a duration such as 500ms, 30s, 5m or 1h' })
  .transform((v) => {
    const m = /^(\d+)(ms|s|m|h)?$/.exec(v)!;
    const n = Number(m[1]);
    const unit = m[2] ?? 'ms';
    return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[unit as 'ms' | 's' | 'm' | 'h'];
  });

const urlWithProtocols = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` },
  );

const envSchema = z.object({
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']).optional(),
  // A role allowed to change the schema, for migrations; DATABASE_URL's role then only needs data rights.
  DATABASE_ADMIN_URL: urlWithProtocols(['postgres:', 'postgresql:']).optional(),
  // The workers' pool (paging, deliveries, timers); unset: 20 with the workers, 5 for the API alone (see src/hub.ts).
  DATABASE_POOL_SIZE: z.coerce.number({ message: 'must be a whole number' }).int().min(2, 'must be at least 2').max(500).optional(),
  // The API's own pool (GraphQL requests): a heavy reader waits for it without holding a page back.
  DATABASE_API_POOL_SIZE: z.coerce.number({ message: 'must be a whole number' }).int().min(2, 'must be at least 2').max(500).default(10),
  // Statements of the API's pool are cancelled after this long; 0 turns the limit off.
  DATABASE_API_STATEMENT_TIMEOUT: durationMs.default(15_000),
  // Heavy GraphQL operations (src/graphql/cost.ts) running at once per API process; keep it below
  // DATABASE_API_POOL_SIZE so that light requests (a filing, an acknowledgement) always find a connection.
  ESTF_HEAVY_REQUESTS_MAX: z.coerce.number({ message: 'must be a whole number' }).int().min(1, 'must be at least 1').max(500).default(4),
  // How long a heavy operation waits for its turn before it is refused (RATE_LIMITED, Retry-After).
  ESTF_HEAVY_REQUESTS_WAIT: durationMs.default(10_000),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:']).optional(),
  PORT: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535, 'must be a port number (0-65535)').default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: urlWithProtocols(['http:', 'https:']).optional(),
  ESTF_DATA_DIR: z.string().min(1).default('./.data'),
  ESTF_DEMO: booleanFlag.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'must be development, production or test' }).default('development'),
  GRAPHQL_INTROSPECTION: booleanFlag.optional(),
  ESTF_COORDINATOR_ORGS: z
    .string()
    .regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, { message: 'must be a comma-separated list of organization slugs' })
    .default('sos,cal-oes'),
  // Well-known benign domains for the indicator warning lists (subdomains included); see docs/indicators.md.
  ESTF_BENIGN_DOMAINS: z.string().regex(/^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$/, { message: 'must be a comma-separated list of domain names' }).default('google.com,microsoft.com,apple.com,cloudflare.com,amazon.com'),
  ESTF_QUEUE_PREFIX: z.string().min(1).default('{estf}'),
  ESTF_RECONCILE_INTERVAL: durationMs.default(30_000),
  ESTF_OUTBOX_POLL_INTERVAL: durationMs.default(1_000),
  ESTF_SHUTDOWN_TIMEOUT: durationMs.default(10_000),
  // How often a worker writes its heartbeat; /healthz/workers counts a worker live for 3 of them.
  ESTF_HEARTBEAT_INTERVAL: durationMs.default(10_000),
  // Console sessions: signed out after this long without a request, and after this long in any case.
  ESTF_SESSION_IDLE: durationMs.refine((v) => v >= 60_000, { message: 'must be at least 1m' }).default(2 * 3_600_000),
  ESTF_SESSION_LIFETIME: durationMs.refine((v) => v >= 60_000 && v <= 30 * 24 * 3_600_000, { message: 'must be between 1m and 720h' }).default(12 * 3_600_000),
  // The largest indicator file the console's bulk import takes (bytes); larger feeds go through `estf indicators import`.
  ESTF_CONSOLE_IMPORT_MAX_BYTES: z.coerce.number({ message: 'must be a whole number' }).int().min(1_000, 'must be at least 1000').max(1_000_000_000).default(10_000_000),
  // How often the workers delete used or expired sign-in links, sessions past their lifetime and old sign-in requests.
  ESTF_SIGN_IN_PURGE_INTERVAL: durationMs.refine((v) => v >= 1_000, { message: 'must be at least 1s' }).default(3_600_000),
  // Digest periods: unset, hourly digests run on the hour and daily ones at 07:00 Pacific.
  ESTF_HOURLY_DIGEST_INTERVAL: durationMs.optional(),
  ESTF_DAILY_DIGEST_INTERVAL: durationMs.optional(),
  ESTF_ALLOW_PRIVATE_WEBHOOKS: booleanFlag.optional(),
  // Internal webhook receivers operators allow although private webhooks are off: host names and networks.
  ESTF_WEBHOOK_ALLOW: z
    .string()
    .superRefine((v, ctx) => {
      const parsed = parseWebhookAllowList(v);
      if (!parsed.ok) for (const p of parsed.problems) ctx.addIssue({ code: 'custom', message: p });
    })
    .optional(),
  ESTF_CORRELATION_COUNTIES: z.coerce.number({ message: 'must be a whole number' }).int().min(2).max(58).default(3),
  ESTF_CORRELATION_WINDOW: durationMs.default(24 * 3_600_000),
  SMTP_URL: urlWithProtocols(['smtp:', 'smtps:']).optional(),
  ESTF_MAIL_FROM: z.string().min(3).default('ESTF Hub <estf-hub@localhost>'),
  ESTF_SMS_GATEWAY_URL: urlWithProtocols(['http:', 'https:']).optional(),
  ESTF_SMS_GATEWAY_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, { message: 'must be a Standard Webhooks secret (whsec_ + base64)' }).optional(),
  ESTF_WEBHOOK_TIMEOUT: durationMs.default(10_000),
  ESTF_DELIVERY_BACKOFF: durationMs.default(10_000),
  ESTF_DELIVERY_MAX_ATTEMPTS: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(50).default(9),
  // The audit chain's HMAC key; unset: generated once into $ESTF_DATA_DIR/audit.key (mode 0600).
  ESTF_AUDIT_KEY: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 48)').optional(),
  ESTF_AUDIT_CHECKPOINT_DIR: z.string().min(1).optional(),
  ESTF_AUDIT_CHECKPOINT_INTERVAL: durationMs.refine((ms) => ms >= 1_000, 'must be at least 1s').default(300_000),
  // The public report form (/report): reports per client address per window, and for everyone at once.
  ESTF_REPORT_CLIENT_LIMIT: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(10_000).default(5),
  ESTF_REPORT_CLIENT_WINDOW: durationMs.refine((v) => v >= 1_000, { message: 'must be at least 1s' }).default(10 * 60_000),
  ESTF_REPORT_SURGE_LIMIT: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(1_000_000).default(600),
  ESTF_REPORT_SURGE_WINDOW: durationMs.refine((v) => v >= 1_000, { message: 'must be at least 1s' }).default(60_000),
  // A person takes longer than this to fill in the form; a faster post is refused.
  ESTF_REPORT_MIN_FILL_TIME: durationMs.default(3_000),
  // ALTCHA proof of work: the largest number the browser may have to try (higher: more work per report).
  ESTF_REPORT_POW_MAX: z.coerce.number({ message: 'must be a whole number' }).int().min(10).max(10_000_000).default(100_000),
  ESTF_REPORT_SCREENSHOT_MAX_MB: z.coerce.number({ message: 'must be a number of megabytes' }).int().min(1).max(20).default(5),
  // Retention: follow-up e-mail addresses this many days after their claim is closed; screenshots this many
  // days after the election's certification (ESTF_ELECTION_CERTIFIED_AT; unset: after the report).
  ESTF_REPORT_EMAIL_RETENTION_DAYS: z.coerce.number({ message: 'must be a whole number of days' }).int().min(0).max(3650).default(90),
  ESTF_REPORT_SCREENSHOT_RETENTION_DAYS: z.coerce.number({ message: 'must be a whole number of days' }).int().min(0).max(3650).default(365),
  // Clustering of public reports into claims: the trigram similarity (0 to 1) at which a report joins an open
  // claim seen within the window.
  ESTF_CLAIM_SIMILARITY: z.coerce.number({ message: 'must be a number between 0 and 1' }).min(0.05).max(1).default(0.4),
  ESTF_CLAIM_WINDOW: durationMs.default(14 * 24 * 3_600_000),
  // Promotion of a claim to a misinformation incident: this many reports, or reports from this many counties,
  // within the window. Claims about how, when or where to vote are promoted at once in the 29 days before
  // ESTF_ELECTION_DATE (YYYY-MM-DD, Pacific time).
  ESTF_CLAIM_PROMOTE_REPORTS: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(1_000_000).default(25),
  ESTF_CLAIM_PROMOTE_COUNTIES: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(59).default(3),
  ESTF_CLAIM_PROMOTE_WINDOW: durationMs.default(6 * 3_600_000),
  ESTF_ELECTION_DATE: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date such as 2026-11-03' }).optional(),
  ESTF_ELECTION_CERTIFIED_AT: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date such as 2026-12-11' }).optional(),
  ESTF_REPORT_PRIVACY_CONTACT: z.string().min(3).default('Office of Elections Cybersecurity, California Secretary of State, 1500 11th Street, Sacramento, CA 95814'),
  // TAXII 2.1 (issue 15): the largest POST body the API root accepts (its max_content_length), in bytes.
  ESTF_TAXII_MAX_CONTENT_LENGTH: z.coerce.number({ message: 'must be a whole number of bytes' }).int().min(1_024).max(1_073_741_824).default(104_857_600),
});

export type Environment = 'development' | 'production' | 'test';

export interface Config {
  readonly env: Environment;
  /**
   * adminUrl: where migrations run (DATABASE_ADMIN_URL; unset: DATABASE_URL, or the embedded server's admin role).
   * poolSize: the workers' pool (null: the default of the command); apiPoolSize and apiStatementTimeoutMs: the
   * API's own pool, separate so that GraphQL readers never hold paging back (0: no statement timeout).
   */
  readonly database: {
    readonly url: string | undefined;
    readonly adminUrl: string | undefined;
    readonly embedded: boolean;
    readonly poolSize: number | null;
    readonly apiPoolSize: number;
    readonly apiStatementTimeoutMs: number;
  };
  readonly redis: { readonly url: string; readonly isDefault: boolean };
  readonly http: { readonly port: number; readonly host: string; readonly publicUrl: string };
  readonly dataDir: string;
  readonly demo: boolean;
  readonly logLevel: string;
  readonly graphql: { readonly graphiql: boolean; readonly introspection: boolean; readonly maskErrors: boolean };
  readonly coordinatorOrgSlugs: readonly string[];
  readonly benignDomains: readonly string[];
  readonly queuePrefix: string;
  /** Admission control of heavy GraphQL operations (src/graphql/cost.ts): at most `max` at once, each waiting at most `waitMs`. */
  readonly heavyRequests: { readonly max: number; readonly waitMs: number };
  /**
   * The console's sessions: idle and absolute lifetimes (ESTF_SESSION_IDLE, ESTF_SESSION_LIFETIME); the purge's
   * period (ESTF_SIGN_IN_PURGE_INTERVAL); the largest bulk-import upload (ESTF_CONSOLE_IMPORT_MAX_BYTES).
   */
  readonly console: { readonly idleMs: number; readonly absoluteMs: number; readonly purgeEveryMs: number; readonly importMaxBytes: number };
  readonly intervals: { readonly reconcileMs: number; readonly outboxPollMs: number; readonly shutdownTimeoutMs: number; readonly heartbeatMs: number };
  /** Digest periods (null: on the hour, and daily at 07:00 America/Los_Angeles). */
  readonly digests: { readonly hourlyEveryMs: number | null; readonly dailyEveryMs: number | null };
  /**
   * allowPrivateTargets: webhooks (contact methods, alert subscriptions) may reach localhost or private
   * addresses (ESTF_ALLOW_PRIVATE_WEBHOOKS; default off in production only). allow: the host names and
   * networks allowed even when that is off (ESTF_WEBHOOK_ALLOW), for an internal receiver.
   */
  readonly webhooks: { readonly allowPrivateTargets: boolean; readonly allow: WebhookAllowList };
  /**
   * Delivery of notifications: SMTP (unset: .eml files under dataDir/mail), the SMS gateway webhook
   * (unset: text files under dataDir/sms), the webhook timeout, and retries with exponential backoff
   * (base × 2^(n-1) before attempt n+1; the defaults, 10 s and 9 attempts, retry over 42.5 minutes).
   */
  /** Cross-county correlation: this many distinct counties within the window open a statewide incident. */
  readonly correlation: { readonly counties: number; readonly windowMs: number };
  /**
   * The audit chain: its HMAC key (ESTF_AUDIT_KEY, else the file keyFile, created on first use), and the
   * directory outside the database where signed checkpoints of the chain's head are appended.
   */
  readonly audit: { readonly key: string | undefined; readonly keyFile: string; readonly checkpointDir: string; readonly checkpointIntervalMs: number };
  /** The public report form (src/modules/publicreports): abuse limits, proof-of-work difficulty, screenshot size, privacy contact. */
  readonly publicReports: {
    readonly clientLimit: number;
    readonly clientWindowMs: number;
    readonly surgeLimit: number;
    readonly surgeWindowMs: number;
    readonly minFillMs: number;
    readonly powMaxNumber: number;
    readonly screenshotMaxBytes: number;
    readonly privacyContact: string;
    readonly emailRetentionDays: number;
    readonly screenshotRetentionDays: number;
    /** The election's certification (YYYY-MM-DD), from which screenshots are kept screenshotRetentionDays; null: from each report. */
    readonly electionCertifiedAt: string | null;
  };
  /** Clustering of public reports into claims (ESTF_CLAIM_SIMILARITY, ESTF_CLAIM_WINDOW). */
  readonly claims: {
    readonly similarity: number;
    readonly windowMs: number;
    readonly promoteReports: number;
    readonly promoteCounties: number;
    readonly promoteWindowMs: number;
    /** Election day (YYYY-MM-DD), or null. */
    readonly electionDate: string | null;
  };
  readonly delivery: {
    readonly smtpUrl: string | undefined;
    readonly mailFrom: string;
    readonly smsGatewayUrl: string | undefined;
    readonly smsGatewaySecret: string | undefined;
    readonly webhookTimeoutMs: number;
    readonly backoffBaseMs: number;
    readonly maxAttempts: number;
  };
  /** TAXII 2.1: the API root's max_content_length in bytes (ESTF_TAXII_MAX_CONTENT_LENGTH). */
  readonly taxii: { readonly maxContentLength: number };
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env by default) into the hub's Config; throws ConfigError listing every problem. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset: `FOO= npm start` should not be a validation error.
  const env = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}${describeValue(env, i.path)}`));
  }
  const e = parsed.data;
  const embedded = e.DATABASE_URL === undefined;
  const production = e.NODE_ENV === 'production';
  const dataDir = path.resolve(e.ESTF_DATA_DIR);
  const publicHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  return Object.freeze({
    env: e.NODE_ENV,
    database: Object.freeze({
      url: e.DATABASE_URL,
      adminUrl: e.DATABASE_ADMIN_URL,
      embedded,
      poolSize: e.DATABASE_POOL_SIZE ?? null,
      apiPoolSize: e.DATABASE_API_POOL_SIZE,
      apiStatementTimeoutMs: e.DATABASE_API_STATEMENT_TIMEOUT,
    }),
    redis: Object.freeze({ url: e.REDIS_URL ?? DEFAULT_REDIS_URL, isDefault: e.REDIS_URL === undefined }),
    http: Object.freeze({
      port: e.PORT,
      host: e.HOST,
      publicUrl: (e.PUBLIC_URL ?? `http://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${e.PORT}`).replace(/\/$/, ''),
    }),
    dataDir,
    demo: e.ESTF_DEMO ?? embedded,
    logLevel: e.LOG_LEVEL,
    graphql: Object.freeze({
      graphiql: !production,
      introspection: e.GRAPHQL_INTROSPECTION ?? !production,
      maskErrors: e.NODE_ENV !== 'development',
    }),
    coordinatorOrgSlugs: Object.freeze(e.ESTF_COORDINATOR_ORGS.split(',')),
    benignDomains: Object.freeze(e.ESTF_BENIGN_DOMAINS.toLowerCase().split(',')),
    queuePrefix: e.ESTF_QUEUE_PREFIX,
    heavyRequests: Object.freeze({ max: e.ESTF_HEAVY_REQUESTS_MAX, waitMs: e.ESTF_HEAVY_REQUESTS_WAIT }),
    console: Object.freeze({ idleMs: e.ESTF_SESSION_IDLE, absoluteMs: e.ESTF_SESSION_LIFETIME, purgeEveryMs: e.ESTF_SIGN_IN_PURGE_INTERVAL, importMaxBytes: e.ESTF_CONSOLE_IMPORT_MAX_BYTES }),
    intervals: Object.freeze({
      reconcileMs: e.ESTF_RECONCILE_INTERVAL,
      outboxPollMs: e.ESTF_OUTBOX_POLL_INTERVAL,
      shutdownTimeoutMs: e.ESTF_SHUTDOWN_TIMEOUT,
      heartbeatMs: Math.max(100, e.ESTF_HEARTBEAT_INTERVAL),
    }),
    digests: Object.freeze({ hourlyEveryMs: e.ESTF_HOURLY_DIGEST_INTERVAL ?? null, dailyEveryMs: e.ESTF_DAILY_DIGEST_INTERVAL ?? null }),
    webhooks: Object.freeze({ allowPrivateTargets: e.ESTF_ALLOW_PRIVATE_WEBHOOKS ?? !production, allow: webhookAllowList(e.ESTF_WEBHOOK_ALLOW) }),
    correlation: Object.freeze({ counties: e.ESTF_CORRELATION_COUNTIES, windowMs: e.ESTF_CORRELATION_WINDOW }),
    audit: Object.freeze({
      key: e.ESTF_AUDIT_KEY,
      keyFile: path.join(dataDir, 'audit.key'),
      checkpointDir: path.resolve(e.ESTF_AUDIT_CHECKPOINT_DIR ?? path.join(dataDir, 'audit-checkpoints')),
      checkpointIntervalMs: e.ESTF_AUDIT_CHECKPOINT_INTERVAL,
    }),
    publicReports: Object.freeze({
      clientLimit: e.ESTF_REPORT_CLIENT_LIMIT,
      clientWindowMs: e.ESTF_REPORT_CLIENT_WINDOW,
      surgeLimit: e.ESTF_REPORT_SURGE_LIMIT,
      surgeWindowMs: e.ESTF_REPORT_SURGE_WINDOW,
      minFillMs: e.ESTF_REPORT_MIN_FILL_TIME,
      powMaxNumber: e.ESTF_REPORT_POW_MAX,
      screenshotMaxBytes: e.ESTF_REPORT_SCREENSHOT_MAX_MB * 1024 * 1024,
      privacyContact: e.ESTF_REPORT_PRIVACY_CONTACT,
      emailRetentionDays: e.ESTF_REPORT_EMAIL_RETENTION_DAYS,
      screenshotRetentionDays: e.ESTF_REPORT_SCREENSHOT_RETENTION_DAYS,
      electionCertifiedAt: e.ESTF_ELECTION_CERTIFIED_AT ?? null,
    }),
    claims: Object.freeze({
      similarity: e.ESTF_CLAIM_SIMILARITY,
      windowMs: e.ESTF_CLAIM_WINDOW,
      promoteReports: e.ESTF_CLAIM_PROMOTE_REPORTS,
      promoteCounties: e.ESTF_CLAIM_PROMOTE_COUNTIES,
      promoteWindowMs: e.ESTF_CLAIM_PROMOTE_WINDOW,
      electionDate: e.ESTF_ELECTION_DATE ?? null,
    }),
    delivery: Object.freeze({
      smtpUrl: e.SMTP_URL,
      mailFrom: e.ESTF_MAIL_FROM,
      smsGatewayUrl: e.ESTF_SMS_GATEWAY_URL,
      smsGatewaySecret: e.ESTF_SMS_GATEWAY_SECRET,
      webhookTimeoutMs: e.ESTF_WEBHOOK_TIMEOUT,
      backoffBaseMs: e.ESTF_DELIVERY_BACKOFF,
      maxAttempts: e.ESTF_DELIVERY_MAX_ATTEMPTS,
    }),
    taxii: Object.freeze({ maxContentLength: e.ESTF_TAXII_MAX_CONTENT_LENGTH }),
  });
}

function webhookAllowList(spec: string | undefined): WebhookAllowList {
  const parsed = parseWebhookAllowList(spec ?? '');
  const list = parsed.ok ? parsed.list : { hosts: [], networks: [] };
  return Object.freeze({ hosts: Object.freeze([...list.hosts]), networks: Object.freeze([...list.networks]) });
}

function describeValue(env: Record<string, string | undefined>, p: PropertyKey[]): string {
  const key = String(p[0]);
  const value = env[key];
  if (value === undefined) return '';
  // Never echo credentials from connection URLs back into logs.
  if (key === 'ESTF_AUDIT_KEY') return '';
  const shown = /URL$/.test(key) ? value.replace(/\/\/[^@/]*@/, '//***@') : value;
  return ` (got "${shown}")`;
}
