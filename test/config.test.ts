import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_REDIS_URL, loadConfig } from '../src/config.js';
import { runEstf } from './estf-process.js';

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('lists every invalid value in one error', () => {
    const err = configErrorOf({ PORT: 'abc', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' });
    expect(err.problems).toHaveLength(3);
    expect(err.problems.find((p) => p.startsWith('PORT:'))).toContain('"abc"');
    expect(err.problems.find((p) => p.startsWith('LOG_LEVEL:'))).toContain('"loud"');
    expect(err.problems.find((p) => p.startsWith('REDIS_URL:'))).toContain('redis://');
    for (const p of err.problems) expect(err.message).toContain(p);
  });

  it('reports problems in the other variables too, each by name', () => {
    const err = configErrorOf({
      DATABASE_URL: 'mysql://x/y',
      PORT: '70000',
      PUBLIC_URL: 'ftp://hub',
      ESTF_DEMO: 'maybe',
      NODE_ENV: 'staging',
      GRAPHQL_INTROSPECTION: 'sometimes',
      ESTF_COORDINATOR_ORGS: 'SOS;Cal OES',
      ESTF_RECONCILE_INTERVAL: '5 minutes',
      ESTF_OUTBOX_POLL_INTERVAL: 'soon',
      ESTF_SHUTDOWN_TIMEOUT: '-1s',
    });
    const named = err.problems.map((p) => p.split(':')[0]).sort();
    expect(named).toEqual(
      [
        'DATABASE_URL',
        'ESTF_COORDINATOR_ORGS',
        'ESTF_DEMO',
        'ESTF_OUTBOX_POLL_INTERVAL',
        'ESTF_RECONCILE_INTERVAL',
        'ESTF_SHUTDOWN_TIMEOUT',
        'GRAPHQL_INTROSPECTION',
        'NODE_ENV',
        'PORT',
        'PUBLIC_URL',
      ].sort(),
    );
  });

  it('never echoes the password of a connection URL', () => {
    const err = configErrorOf({ DATABASE_URL: 'mysql://estf:s3cret-pw@db.internal/estf', REDIS_URL: 'http://:r3dis-pw@cache/0' });
    expect(err.problems).toHaveLength(2);
    expect(err.message).not.toContain('s3cret-pw');
    expect(err.message).not.toContain('r3dis-pw');
    expect(err.message).toContain('***@db.internal');
  });

  it('has defaults for everything', () => {
    const c = loadConfig({});
    expect(c.env).toBe('development');
    expect(c.http).toEqual({ port: 4000, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:4000' });
    expect(c.redis).toEqual({ url: DEFAULT_REDIS_URL, isDefault: true });
    expect(DEFAULT_REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.database).toEqual({ url: undefined, embedded: true, poolSize: null, apiPoolSize: 10, apiStatementTimeoutMs: 15_000 });
    expect(c.dataDir).toBe(path.resolve('./.data'));
    expect(c.logLevel).toBe('info');
    expect(c.coordinatorOrgSlugs).toEqual(['sos', 'cal-oes']);
    expect(c.queuePrefix).toBe('{estf}');
    expect(c.intervals).toEqual({ reconcileMs: 30_000, outboxPollMs: 1_000, shutdownTimeoutMs: 10_000, heartbeatMs: 10_000 });
    expect(c.digests).toEqual({ hourlyEveryMs: null, dailyEveryMs: null });
    expect(c.graphql).toEqual({ graphiql: true, introspection: true, maskErrors: false });
  });

  it('parses set values', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/estf',
      REDIS_URL: 'rediss://cache:6380/2',
      PORT: '8080',
      HOST: '0.0.0.0',
      ESTF_DATA_DIR: '/var/lib/estf',
      LOG_LEVEL: 'debug',
      ESTF_COORDINATOR_ORGS: 'sos,cal-oes,cisa',
      ESTF_QUEUE_PREFIX: '{estf-a}',
      ESTF_RECONCILE_INTERVAL: '5s',
      ESTF_OUTBOX_POLL_INTERVAL: '250ms',
      ESTF_SHUTDOWN_TIMEOUT: '1m',
      DATABASE_POOL_SIZE: '30',
      DATABASE_API_POOL_SIZE: '12',
      DATABASE_API_STATEMENT_TIMEOUT: '5s',
    });
    expect(c.database).toEqual({ url: 'postgresql://u:p@db:5432/estf', embedded: false, poolSize: 30, apiPoolSize: 12, apiStatementTimeoutMs: 5_000 });
    expect(c.redis).toEqual({ url: 'rediss://cache:6380/2', isDefault: false });
    // A wildcard bind address is not something a browser can open: the public URL says localhost.
    expect(c.http).toEqual({ port: 8080, host: '0.0.0.0', publicUrl: 'http://localhost:8080' });
    expect(c.dataDir).toBe('/var/lib/estf');
    expect(c.logLevel).toBe('debug');
    expect(c.coordinatorOrgSlugs).toEqual(['sos', 'cal-oes', 'cisa']);
    expect(c.queuePrefix).toBe('{estf-a}');
    expect(c.intervals).toEqual({ reconcileMs: 5_000, outboxPollMs: 250, shutdownTimeoutMs: 60_000, heartbeatMs: 10_000 });
  });

  it('takes PUBLIC_URL as given, without a trailing slash', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://hub.estf.example/' }).http.publicUrl).toBe('https://hub.estf.example');
  });

  it('turns ESTF_DEMO on by default with the embedded database and off with DATABASE_URL', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://127.0.0.1/estf' }).demo).toBe(false);
    expect(loadConfig({ ESTF_DEMO: 'off' }).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://127.0.0.1/estf', ESTF_DEMO: 'yes' }).demo).toBe(true);
  });

  it('takes DATABASE_POOL_SIZE as a whole number of at least 2', () => {
    expect(loadConfig({ DATABASE_POOL_SIZE: '40' }).database.poolSize).toBe(40);
    expect(configErrorOf({ DATABASE_POOL_SIZE: '1' }).problems).toEqual([expect.stringMatching(/^DATABASE_POOL_SIZE: must be at least 2/)]);
    expect(configErrorOf({ DATABASE_POOL_SIZE: 'many' }).problems).toEqual([expect.stringMatching(/^DATABASE_POOL_SIZE: must be a whole number/)]);
  });

  it('treats an empty value as unset', () => {
    const c = loadConfig({ PORT: '', DATABASE_URL: '', ESTF_DEMO: '', LOG_LEVEL: '' });
    expect(c.http.port).toBe(4000);
    expect(c.database.embedded).toBe(true);
    expect(c.demo).toBe(true);
    expect(c.logLevel).toBe('info');
  });

  it('accepts PORT=0 (any free port)', () => {
    expect(loadConfig({ PORT: '0' }).http.port).toBe(0);
  });

  it('masks errors, hides GraphiQL and turns introspection off in production', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).graphql).toEqual({ graphiql: false, introspection: false, maskErrors: true });
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).graphql.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).graphql.maskErrors).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: '0' }).graphql.introspection).toBe(false);
  });

  it('is frozen', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.http)).toBe(true);
    expect(() => {
      (c.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

// Each case starts `estf` in a fresh Node process: allow for a busy machine.
describe('the estf command line', { timeout: 120_000 }, () => {
  it('exits 1 with the whole list on bad configuration', async () => {
    const r = await runEstf(['serve'], { PORT: 'abc', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Invalid configuration');
    for (const v of ['PORT', 'LOG_LEVEL', 'REDIS_URL']) expect(r.stderr).toMatch(new RegExp(`^\\s+- ${v}: `, 'm'));
  });

  it('exits 2 with one line for an unknown command', async () => {
    const r = await runEstf(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('exits 2 with one line for a bad flag or a missing option', async () => {
    const [flag, missing] = await Promise.all([runEstf(['users', 'list', '--bogus']), runEstf(['token', 'issue'])]);
    for (const r of [flag, missing]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(flag.stderr).toContain("unknown option '--bogus'");
    expect(missing.stderr).toContain("required option '--email <email>'");
  });

  it('prints help and exits 0 for --help, on the program and on a command', async () => {
    const [top, issue] = await Promise.all([runEstf(['--help']), runEstf(['token', 'issue', '--help'])]);
    expect(top.code).toBe(0);
    for (const command of ['start', 'serve', 'work', 'migrate', 'users', 'token', 'audit']) expect(top.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(issue.code).toBe(0);
    expect(issue.stdout).toContain('--expires <lifetime>');
    expect(issue.stdout).toContain('--email <email>');
  });
});
