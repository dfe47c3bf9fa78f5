import { loadConfig } from './app-config';
import { ConfigError } from './config-error';

const KEY = Buffer.alloc(32, 7).toString('base64');

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the contract defaults in development', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/parley',
      redisUrl: 'redis://127.0.0.1:6379',
      publicBaseUrl: 'http://localhost:3000',
      port: 3000,
      appRole: 'all',
      queuePrefix: 'parley',
    });
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(config.servesHttp && config.runsWorkers).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/x',
      REDIS_URL: 'rediss://cache:6380',
      JWT_SECRET: 'x'.repeat(40),
      ENCRYPTION_KEY: KEY,
      PUBLIC_BASE_URL: 'https://parley.example.com/',
      PORT: '8080',
      APP_ROLE: 'worker',
      QUEUE_PREFIX: 'p1',
    });
    expect(config).toMatchObject({ port: 8080, appRole: 'worker', publicBaseUrl: 'https://parley.example.com', queuePrefix: 'p1' });
    expect(config.servesHttp).toBe(false);
    expect(config.runsWorkers).toBe(true);
  });

  it.each([
    [{ ENCRYPTION_KEY: 'not-base64!!' }, 'ENCRYPTION_KEY'],
    [{ ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }, 'ENCRYPTION_KEY'],
    [{ ENCRYPTION_KEYS: 'old' }, 'ENCRYPTION_KEYS'],
    [{ ENCRYPTION_KEYS: `a:${KEY},a:${KEY}` }, 'ENCRYPTION_KEYS'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ APP_ROLE: 'both' }, 'APP_ROLE'],
    [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL'],
    [{ QUEUE_PREFIX: 'has space' }, 'QUEUE_PREFIX'],
  ])('rejects %j naming %s', (env, variable) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}:`)).toBe(true);
  });

  it('refuses to run in production without JWT_SECRET or ENCRYPTION_KEY', () => {
    expect(errorOf({ NODE_ENV: 'production', ENCRYPTION_KEY: KEY }).variable).toBe('JWT_SECRET');
    expect(errorOf({ NODE_ENV: 'production', JWT_SECRET: 'y'.repeat(32) }).variable).toBe('ENCRYPTION_KEY');
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'y'.repeat(32), ENCRYPTION_KEY: KEY }).nodeEnv).toBe('production');
  });

  it('accepts ENCRYPTION_KEYS alone, its first key being current', () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    const config = loadConfig({ ENCRYPTION_KEYS: `new:${KEY}, old:${other}` });
    expect(config.keyring.current.label).toBe('new');
  });

  it('defaults PUBLIC_BASE_URL to the port the process actually listens on', () => {
    expect(loadConfig({ PORT: '3100' }).publicBaseUrl).toBe('http://localhost:3100');
    expect(loadConfig({ PORT: '3100', PUBLIC_BASE_URL: 'https://parley.example.com' }).publicBaseUrl).toBe('https://parley.example.com');
  });

  it('enables the sandbox by default, except in production; SANDBOX_ENABLED decides either way', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'y'.repeat(32), ENCRYPTION_KEY: KEY };
    expect(loadConfig({}).sandboxEnabled).toBe(true);
    expect(loadConfig(production).sandboxEnabled).toBe(false);
    expect(loadConfig({ ...production, SANDBOX_ENABLED: 'true' }).sandboxEnabled).toBe(true);
    expect(loadConfig({ SANDBOX_ENABLED: 'false' }).sandboxEnabled).toBe(false);
    expect(errorOf({ SANDBOX_ENABLED: 'maybe' }).variable).toBe('SANDBOX_ENABLED');
  });

  it('refuses private vendor URLs unless ALLOW_PRIVATE_VENDOR_URLS=true', () => {
    expect(loadConfig({}).allowPrivateVendorUrls).toBe(false);
    expect(loadConfig({ ALLOW_PRIVATE_VENDOR_URLS: '' }).allowPrivateVendorUrls).toBe(false);
    expect(loadConfig({ ALLOW_PRIVATE_VENDOR_URLS: 'false' }).allowPrivateVendorUrls).toBe(false);
    expect(loadConfig({ ALLOW_PRIVATE_VENDOR_URLS: 'true' }).allowPrivateVendorUrls).toBe(true);
    expect(errorOf({ ALLOW_PRIVATE_VENDOR_URLS: 'yes' }).variable).toBe('ALLOW_PRIVATE_VENDOR_URLS');
  });

  it('turns the queue dashboard on only with both QUEUE_DASHBOARD_ variables', () => {
    expect(loadConfig({}).queueDashboard).toBeNull();
    expect(loadConfig({ QUEUE_DASHBOARD_USER: '', QUEUE_DASHBOARD_PASSWORD: '' }).queueDashboard).toBeNull();
    expect(loadConfig({ QUEUE_DASHBOARD_USER: 'ops', QUEUE_DASHBOARD_PASSWORD: 'p'.repeat(12) }).queueDashboard).toEqual({ user: 'ops', password: 'p'.repeat(12) });
    expect(errorOf({ QUEUE_DASHBOARD_USER: 'ops' }).variable).toBe('QUEUE_DASHBOARD_PASSWORD');
    expect(errorOf({ QUEUE_DASHBOARD_PASSWORD: 'p'.repeat(12) }).variable).toBe('QUEUE_DASHBOARD_USER');
    expect(errorOf({ QUEUE_DASHBOARD_USER: 'ops', QUEUE_DASHBOARD_PASSWORD: 'short' }).variable).toBe('QUEUE_DASHBOARD_PASSWORD');
    expect(errorOf({ QUEUE_DASHBOARD_USER: 'o:ps', QUEUE_DASHBOARD_PASSWORD: 'p'.repeat(12) }).variable).toBe('QUEUE_DASHBOARD_USER');
  });

  it('reads the abuse limits and TRUST_PROXY, believing no proxy by default', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({}).rateLimits).toEqual({
      apiPerMinute: 6000,
      businessSendsPerMinute: 600,
      failedAuthPerMinute: 20,
      failedSignaturesPerMinute: 20,
      abuseBlockSeconds: 300,
    });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ API_RATE_LIMIT_PER_MINUTE: '5', ABUSE_BLOCK_SECONDS: '9' }).rateLimits).toMatchObject({ apiPerMinute: 5, abuseBlockSeconds: 9 });
    expect(errorOf({ TRUST_PROXY: 'my-proxy.internal' }).variable).toBe('TRUST_PROXY');
    expect(errorOf({ API_RATE_LIMIT_PER_MINUTE: '0' }).variable).toBe('API_RATE_LIMIT_PER_MINUTE');
    expect(errorOf({ BUSINESS_SENDS_PER_MINUTE: 'many' }).variable).toBe('BUSINESS_SENDS_PER_MINUTE');
  });
});
