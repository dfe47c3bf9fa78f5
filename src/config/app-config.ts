import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { SecretKeyring } from '../common/crypto/secret-keyring';
import { ConfigError } from './config-error';
import { parseEncryptionKeys } from './encryption-keys';

export const APP_ROLES = ['all', 'api', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];

// Development-only fallbacks so that `npm start` works on a laptop. Production refuses to boot without real ones.
const DEV_JWT_SECRET = 'parley-development-jwt-secret-not-for-production';
const DEV_ENCRYPTION_KEY = Buffer.from('parley-development-encryption!!!').toString('base64');

/** The raw environment, named exactly as the variables so validation messages name them. */
class EnvironmentVariables {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: string = 'development';

  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/parley';

  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  JWT_SECRET?: string;

  @IsOptional()
  @IsString()
  ENCRYPTION_KEY?: string;

  @IsOptional()
  @IsString()
  ENCRYPTION_KEYS?: string;

  // Unset: http://localhost:<PORT>, so that changing PORT alone keeps webhook URLs pointing at this process.
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  PUBLIC_BASE_URL?: string;

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsIn(APP_ROLES)
  APP_ROLE: string = 'all';

  // Workers serve no HTTP: set, they serve GET /metrics alone on this port (api/all serve it on PORT).
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  @Matches(/^[A-Za-z0-9:_.-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits, ":", "_", "." or "-"' })
  QUEUE_PREFIX: string = 'parley';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  // Unset: on everywhere but production.
  @IsOptional()
  @IsIn(['true', 'false'])
  SANDBOX_ENABLED?: string;

  @IsIn(['true', 'false'])
  ALLOW_PRIVATE_VENDOR_URLS: string = 'false';

  // Set by the operator (not by tenants), so any http(s) URL is taken, private addresses included.
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  ALERT_WEBHOOK_URL?: string;

  @IsIn(['local', 's3'])
  MEDIA_STORAGE: string = 'local';

  @IsString()
  MEDIA_DIR: string = './data/media';

  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be an S3 bucket name' })
  MEDIA_S3_BUCKET?: string;

  // An S3-compatible store (MinIO, Ceph, R2…); unset: AWS itself.
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  MEDIA_S3_ENDPOINT?: string;

  @IsString()
  MEDIA_S3_REGION: string = 'us-east-1';

  @IsInt()
  @Min(1)
  MEDIA_MAX_BYTES: number = 16 * 1024 * 1024;

  @IsOptional()
  @IsString()
  CLAMD_HOST?: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  CLAMD_PORT: number = 3310;

  // Both set: the queue dashboard at /admin/queues behind HTTP Basic; both unset: no dashboard.
  @IsOptional()
  @IsString()
  @Matches(/^[^:]+$/, { message: 'must not contain ":" (HTTP Basic separates user and password with it)' })
  QUEUE_DASHBOARD_USER?: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  QUEUE_DASHBOARD_PASSWORD?: string;

  // false: request.ip is the peer address and X-Forwarded-For is ignored (any client can forge it).
  @Matches(/^(true|false|\d{1,2}|[0-9A-Fa-f:./]+(\s*,\s*[0-9A-Fa-f:./]+)*)$/, {
    message: 'must be true, false, a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs',
  })
  TRUST_PROXY: string = 'false';

  @IsInt()
  @Min(1)
  API_RATE_LIMIT_PER_MINUTE: number = 6000;

  @IsInt()
  @Min(1)
  BUSINESS_SENDS_PER_MINUTE: number = 600;

  @IsInt()
  @Min(1)
  FAILED_AUTH_PER_MINUTE: number = 20;

  @IsInt()
  @Min(1)
  FAILED_SIGNATURES_PER_MINUTE: number = 20;

  @IsInt()
  @Min(1)
  ABUSE_BLOCK_SECONDS: number = 300;
}

const INTEGER_VARIABLES = [
  'PORT',
  'METRICS_PORT',
  'MEDIA_MAX_BYTES',
  'CLAMD_PORT',
  'API_RATE_LIMIT_PER_MINUTE',
  'BUSINESS_SENDS_PER_MINUTE',
  'FAILED_AUTH_PER_MINUTE',
  'FAILED_SIGNATURES_PER_MINUTE',
  'ABUSE_BLOCK_SECONDS',
] as const;

const VARIABLES = [
  'NODE_ENV',
  'DATABASE_URL',
  'REDIS_URL',
  'JWT_SECRET',
  'ENCRYPTION_KEY',
  'ENCRYPTION_KEYS',
  'PUBLIC_BASE_URL',
  'PORT',
  'APP_ROLE',
  'QUEUE_PREFIX',
  'LOG_LEVEL',
  'SANDBOX_ENABLED',
  'ALLOW_PRIVATE_VENDOR_URLS',
  'ALERT_WEBHOOK_URL',
  'MEDIA_STORAGE',
  'MEDIA_DIR',
  'MEDIA_S3_BUCKET',
  'MEDIA_S3_ENDPOINT',
  'MEDIA_S3_REGION',
  'MEDIA_MAX_BYTES',
  'CLAMD_HOST',
  'CLAMD_PORT',
  'QUEUE_DASHBOARD_USER',
  'QUEUE_DASHBOARD_PASSWORD',
  'TRUST_PROXY',
  ...INTEGER_VARIABLES,
] as const;

export interface MediaConfig {
  storage: 'local' | 's3';
  /** Absolute path of the local driver's root. */
  dir: string;
  s3: { bucket: string | null; endpoint: string | null; region: string };
  maxBytes: number;
  /** null: no scanner configured (media is `unscanned`). */
  clamd: { host: string; port: number } | null;
  /** Whether tenants that never chose serve unscanned media (their setting is null): not in production. */
  serveUnscannedByDefault: boolean;
}

/** Abuse limits (README, "Abuse limits"); every window is one minute. */
export interface RateLimitConfig {
  /** API requests per token (or per IP on public routes) per minute, across all instances. */
  apiPerMinute: number;
  /** Business-initiated sends per tenant per minute, for tenants whose setting is null. */
  businessSendsPerMinute: number;
  failedAuthPerMinute: number;
  failedSignaturesPerMinute: number;
  /** How long a source IP past one of the failure limits is refused. */
  abuseBlockSeconds: number;
}

/** Fastify's trustProxy: false, true (any hop), a hop count, or the proxies' addresses/CIDRs. */
export type TrustProxy = boolean | number | string[];

export class AppConfig {
  readonly nodeEnv!: 'development' | 'test' | 'production';
  readonly databaseUrl!: string;
  readonly redisUrl!: string;
  readonly jwtSecret!: string;
  readonly keyring!: SecretKeyring;
  /** Origin vendors use to reach us, without a trailing slash. */
  readonly publicBaseUrl!: string;
  readonly port!: number;
  readonly appRole!: AppRole;
  /** A worker's own /metrics listener; null: none (api and all processes serve /metrics on `port`). */
  readonly metricsPort!: number | null;
  readonly queuePrefix!: string;
  readonly logLevel!: string;
  /** The built-in `sandbox` vendor and its simulation route. */
  readonly sandboxEnabled!: boolean;
  /**
   * Vendor API URLs (`credentials.apiBaseUrl`) may be plain http and reach loopback, private and link-local
   * addresses: for tests and private deployments only, since tenant admins choose those URLs.
   */
  readonly allowPrivateVendorUrls!: boolean;
  /** Budget alerts and admin notices are POSTed here as `{text, notification}`; null: not sent anywhere. */
  readonly alertWebhookUrl!: string | null;
  readonly media!: MediaConfig;
  /** Operator credentials of the queue dashboard (/admin/queues); null: the dashboard is off. */
  readonly queueDashboard!: { user: string; password: string } | null;
  readonly trustProxy!: TrustProxy;
  readonly rateLimits!: RateLimitConfig;

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }

  get servesHttp(): boolean {
    return this.appRole !== 'worker';
  }

  get runsWorkers(): boolean {
    return this.appRole !== 'api';
  }
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Unset and empty variables both fall back to the defaults.
  const present = Object.fromEntries(
    VARIABLES.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [name, env[name]]),
  );
  const raw = plainToInstance(EnvironmentVariables, present, { enableImplicitConversion: false });
  for (const name of INTEGER_VARIABLES) {
    if (present[name] !== undefined) raw[name] = /^\d+$/.test(String(present[name])) ? Number(present[name]) : NaN;
  }
  const errors = validateSync(raw, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const first = errors[0];
    throw new ConfigError(first.property, Object.values(first.constraints ?? {})[0] ?? 'is invalid');
  }

  const production = raw.NODE_ENV === 'production';
  if (production && !raw.JWT_SECRET) throw new ConfigError('JWT_SECRET', 'is required in production');
  if (raw.MEDIA_STORAGE === 's3' && !raw.MEDIA_S3_BUCKET) throw new ConfigError('MEDIA_S3_BUCKET', 'is required when MEDIA_STORAGE is s3');
  if (Boolean(raw.QUEUE_DASHBOARD_USER) !== Boolean(raw.QUEUE_DASHBOARD_PASSWORD)) {
    const missing = raw.QUEUE_DASHBOARD_USER ? 'QUEUE_DASHBOARD_PASSWORD' : 'QUEUE_DASHBOARD_USER';
    throw new ConfigError(missing, 'is required when the other QUEUE_DASHBOARD_ variable is set');
  }
  if (production && !raw.ENCRYPTION_KEY && !raw.ENCRYPTION_KEYS) {
    throw new ConfigError('ENCRYPTION_KEY', 'is required in production');
  }

  return new AppConfig({
    nodeEnv: raw.NODE_ENV as AppConfig['nodeEnv'],
    databaseUrl: raw.DATABASE_URL,
    redisUrl: raw.REDIS_URL,
    jwtSecret: raw.JWT_SECRET ?? DEV_JWT_SECRET,
    keyring: parseEncryptionKeys(
      raw.ENCRYPTION_KEY ?? (raw.ENCRYPTION_KEYS ? undefined : DEV_ENCRYPTION_KEY),
      raw.ENCRYPTION_KEYS,
    ),
    publicBaseUrl: (raw.PUBLIC_BASE_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    port: raw.PORT,
    appRole: raw.APP_ROLE as AppRole,
    metricsPort: raw.METRICS_PORT ?? null,
    queuePrefix: raw.QUEUE_PREFIX,
    logLevel: raw.LOG_LEVEL,
    sandboxEnabled: raw.SANDBOX_ENABLED === undefined ? !production : raw.SANDBOX_ENABLED === 'true',
    allowPrivateVendorUrls: raw.ALLOW_PRIVATE_VENDOR_URLS === 'true',
    alertWebhookUrl: raw.ALERT_WEBHOOK_URL ?? null,
    media: {
      storage: raw.MEDIA_STORAGE as MediaConfig['storage'],
      dir: resolve(raw.MEDIA_DIR),
      s3: { bucket: raw.MEDIA_S3_BUCKET ?? null, endpoint: raw.MEDIA_S3_ENDPOINT ?? null, region: raw.MEDIA_S3_REGION },
      maxBytes: raw.MEDIA_MAX_BYTES,
      clamd: raw.CLAMD_HOST ? { host: raw.CLAMD_HOST, port: raw.CLAMD_PORT } : null,
      serveUnscannedByDefault: !production,
    },
    queueDashboard:
      raw.QUEUE_DASHBOARD_USER && raw.QUEUE_DASHBOARD_PASSWORD ? { user: raw.QUEUE_DASHBOARD_USER, password: raw.QUEUE_DASHBOARD_PASSWORD } : null,
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    rateLimits: {
      apiPerMinute: raw.API_RATE_LIMIT_PER_MINUTE,
      businessSendsPerMinute: raw.BUSINESS_SENDS_PER_MINUTE,
      failedAuthPerMinute: raw.FAILED_AUTH_PER_MINUTE,
      failedSignaturesPerMinute: raw.FAILED_SIGNATURES_PER_MINUTE,
      abuseBlockSeconds: raw.ABUSE_BLOCK_SECONDS,
    },
  } as AppConfig);
}

function parseTrustProxy(value: string): TrustProxy {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((part) => part.trim());
}
