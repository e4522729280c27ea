import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { createServices } from '../src/services.js';
import { createDb } from '../src/infra/db.js';
import { migrationsCurrent } from '../src/infra/migrate.js';
import { databaseUrl, withAdmin } from './db-admin.js';
import { runEstf, spawnEstf, type EstfResult } from './estf-process.js';
import { clearRedisPrefix, startTestHub, testConfig, type TestHub } from './harness.js';

const TOKEN_LINE = /^estf_[A-Za-z0-9_-]{43}$/;
// Each command is a fresh Node process loading TypeScript through tsx: allow for a busy machine.
const CLI_TIMEOUT = 150_000;

function expectOk(r: EstfResult): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
}

describe('estf users, token and audit commands', () => {
  let hub: TestHub;
  let env: Record<string, string>;
  const email = `cli-${randomBytes(3).toString('hex')}@county-orange.example`;

  beforeAll(async () => {
    hub = await startTestHub();
    // The commands work on this test's own database; the HTTP server checks what they did.
    env = { DATABASE_URL: hub.dbUrl };
  });
  afterAll(async () => hub?.close());

  const viewerEmail = async (token: string) => {
    const res = await hub.gql(token, '{ viewer { user { email } } }');
    return res.status === 200 ? res.data.viewer.user.email : res.errors?.[0]?.extensions?.code;
  };

  it('adds a user, lists users, issues, lists and revokes tokens, and verifies the audit chain', async () => {
    const added = await runEstf(['users', 'add', '--email', email, '--name', 'Olivia Orange', '--org', 'county-orange', '--roles', 'ANALYST,ORG_ADMIN'], env);
    expectOk(added);
    expect(added.stdout).toBe(`added ${email} (ANALYST, ORG_ADMIN) to county-orange\n`);

    const other = `cli-other-${randomBytes(3).toString('hex')}@county-kern.example`;
    const [listed, issued, labelled, badOrg, otherAdded] = await Promise.all([
      runEstf(['users', 'list', '--org', 'county-orange'], env),
      runEstf(['token', 'issue', '--email', email], env),
      runEstf(['token', 'issue', '--email', email, '--expires', '90d', '--name', 'siem'], env),
      runEstf(['users', 'add', '--email', 'x@nowhere.example', '--name', 'X', '--org', 'county-atlantis', '--roles', 'ANALYST'], env),
      runEstf(['users', 'add', '--email', other, '--name', 'Kern Analyst', '--org', 'county-kern', '--roles', 'ANALYST'], env),
    ]);

    expectOk(listed);
    expectOk(otherAdded);
    const rows = listed.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.split(/\s+/)).toEqual([email, 'county-orange', 'ANALYST,ORG_ADMIN', 'active']);
    expect(listed.stdout).not.toContain(other);

    // Only the token on stdout: `TOKEN=$(estf token issue …)` must just work.
    for (const r of [issued, labelled]) {
      expectOk(r);
      expect(r.stdout.endsWith('\n')).toBe(true);
      expect(r.stdout.split('\n')).toHaveLength(2);
      expect(r.stdout.trimEnd()).toMatch(TOKEN_LINE);
    }
    const token = issued.stdout.trim();
    const siemToken = labelled.stdout.trim();
    expect(await viewerEmail(token)).toBe(email);
    expect(await viewerEmail(siemToken)).toBe(email);

    expect(badOrg.code).toBe(1);
    expect(badOrg.stdout).toBe('');
    expect(badOrg.stderr.trim()).toBe('estf: organization: no organization with slug "county-atlantis"');

    const revoked = await runEstf(['token', 'revoke', token.slice(0, 13)], env);
    expectOk(revoked);
    expect(revoked.stdout).toBe(`revoked ${token.slice(0, 13)}\n`);
    expect(await viewerEmail(token)).toBe('UNAUTHENTICATED');
    expect(await viewerEmail(siemToken)).toBe(email);

    const [list, verified, all] = await Promise.all([
      runEstf(['token', 'list', '--email', email], env),
      runEstf(['audit', 'verify'], env),
      runEstf(['users', 'list'], env),
    ]);
    expectOk(all);
    expect(all.stdout).toContain(email);
    expect(all.stdout).toContain(other);
    expectOk(list);
    const [header, ...tokens] = list.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^prefix\s+name\s+created\s+expires\s+last used\s+revoked$/);
    expect(list.stdout).not.toContain(token.slice(13));
    const byPrefix = new Map(tokens.map((line) => [line.slice(0, 13), line.split(/\s+/)]));
    expect([...byPrefix.keys()].sort()).toEqual([token.slice(0, 13), siemToken.slice(0, 13)].sort());
    const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
    // prefix, name, created, expires, last used, revoked
    const revokedRow = byPrefix.get(token.slice(0, 13))!;
    expect(revokedRow[1]).toBe('-');
    expect(revokedRow[3]).toBe('-');
    expect(revokedRow[5]).toMatch(ISO);
    const siemRow = byPrefix.get(siemToken.slice(0, 13))!;
    expect(siemRow[1]).toBe('siem');
    expect(siemRow[3]).toMatch(ISO);
    expect(Math.round((new Date(siemRow[3]!).getTime() - Date.now()) / 86_400_000)).toBe(90);
    expect(siemRow[5]).toBe('-');

    expectOk(verified);
    const { n } = await hub.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    // users add ×2, token issue ×2, token revoke: each audited.
    expect(n).toBeGreaterThanOrEqual(5);
    expect(verified.stdout).toBe(`ok ${n} entries\n`);
  }, CLI_TIMEOUT);

  it('deactivates a user: their tokens stop at once', async () => {
    const { token } = await hub.deps.services.identity.issueApiToken(systemPrincipal('test'), { email });
    expect(await viewerEmail(token)).toBe(email);
    const r = await runEstf(['users', 'deactivate', '--email', email], env);
    expectOk(r);
    expect(r.stdout).toBe(`deactivated ${email}\n`);
    expect(await viewerEmail(token)).toBe('UNAUTHENTICATED');
  }, CLI_TIMEOUT);

  it('reactivates a user and changes their roles', async () => {
    await hub.deps.services.identity.createUser(systemPrincipal('test'), { email: `roles-${email}`, name: 'Roles', organization: 'county-orange', roles: ['ANALYST'] });
    const { token } = await hub.deps.services.identity.issueApiToken(systemPrincipal('test'), { email: `roles-${email}` });
    expectOk(await runEstf(['users', 'deactivate', '--email', `roles-${email}`], env));
    expect(await viewerEmail(token)).toBe('UNAUTHENTICATED');
    const [reactivated, roles, bad] = await Promise.all([
      runEstf(['users', 'reactivate', '--email', `roles-${email}`], env),
      runEstf(['users', 'roles', '--email', `roles-${email}`, '--roles', 'VIEWER,ORG_ADMIN'], env),
      runEstf(['users', 'roles', '--email', `roles-${email}`, '--roles', 'WIZARD'], env),
    ]);
    expectOk(reactivated);
    expect(reactivated.stdout).toBe(`reactivated roles-${email}\n`);
    expect(await viewerEmail(token)).toBe(`roles-${email}`);
    expectOk(roles);
    expect(roles.stdout).toBe(`roles-${email}: VIEWER, ORG_ADMIN\n`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^estf: roles: "WIZARD" is not a role/);
  }, CLI_TIMEOUT);

  it('`audit verify` finds a rewritten entry and exits 1', async () => {
    // The table refuses updates; an attacker with the database owner's rights can lift that, not hide it.
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(hub.db);
    await sql`update audit_log set actor_email = 'someone-else@sos.example' where seq = 2`.execute(hub.db);
    const r = await runEstf(['audit', 'verify'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^broken at entry 2: content does not match its hash \(1 entries verified before it\)\n$/);
  }, CLI_TIMEOUT);
});

describe('estf serve and estf work together', () => {
  let database: { name: string; url: string };
  const prefix = `{estf-cli-${randomBytes(4).toString('hex')}}`;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // An empty database: both processes race to migrate it, and the advisory lock must serialise them.
    const name = `estf_t_${inject('runPid')}_${randomBytes(4).toString('hex')}`;
    await withAdmin((c) => c.query(`create database "${name}"`));
    database = { name, url: databaseUrl(name) };
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await clearRedisPrefix(prefix);
    if (database) await withAdmin((c) => c.query(`drop database if exists "${database.name}" with (force)`));
  });

  /** Starts a long-running command and resolves with its stdout once it prints the ready banner. */
  function startCommand(command: 'serve' | 'work'): Promise<{ child: ChildProcess; banner: string; stderr: () => string }> {
    const child = spawnEstf([command], { DATABASE_URL: database.url, PORT: '0', ESTF_QUEUE_PREFIX: prefix, ESTF_SHUTDOWN_TIMEOUT: '15s' });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`estf ${command} was not ready within 90 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 90_000);
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/^ {2}A token: /m.test(stdout)) {
          clearTimeout(timer);
          resolve({ child, banner: stdout, stderr: () => stderr });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`estf ${command} exited with ${code} before it was ready\nstdout: ${stdout}\nstderr: ${stderr}`));
      });
    });
  }

  function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
    return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  it('both come up on one fresh database, the API answers, and SIGTERM stops both with exit code 0', async () => {
    const [api, workers] = await Promise.all([startCommand('serve'), startCommand('work')]);
    expect(api.banner).toMatch(/^ESTF Hub is ready \(API only\)\.$/m);
    expect(workers.banner).toMatch(/^ESTF Hub is ready \(workers only\)\.$/m);
    const base = /GraphQL: +(http:\/\/127\.0\.0\.1:(\d+))\/graphql/.exec(api.banner);
    expect(base, api.banner).not.toBeNull();
    expect(Number(base![2])).toBeGreaterThan(0);
    const url = base![1]!;

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', migrations: 'ok', redis: 'ok' } });

    const db = createDb(database.url, { max: 2 });
    try {
      expect(await migrationsCurrent(db)).toBe(true);
      const orgs = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(orgs.n).toBe(65);
      const beats = await db.selectFrom('worker_heartbeats').select('pid').execute();
      expect(beats).toEqual([{ pid: workers.child.pid }]);

      // The API process, run by tsx as in production, authenticates and keeps expected errors unmasked.
      const services = createServices({ db, config: testConfig({ DATABASE_URL: database.url }) });
      const cli = systemPrincipal('test');
      await services.identity.createUser(cli, { email: 'analyst@county-orange.example', name: 'A', organization: 'county-orange', roles: ['ANALYST'] });
      const { token } = await services.identity.issueApiToken(cli, { email: 'analyst@county-orange.example' });
      const post = (query: string) =>
        fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) }).then((r) => r.json() as Promise<any>);
      expect(await post('{ viewer { organization { slug } } }')).toEqual({ data: { viewer: { organization: { slug: 'county-orange' } } } });
      const forbidden = await post('mutation { createUser(input: { email: "x@sos.example", name: "X", organization: "sos", roles: [VIEWER] }) { id } }');
      expect(forbidden.errors[0].extensions).toEqual({ code: 'FORBIDDEN' });

      // JSON logs on stderr, with the request id.
      const logged = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'from-the-cli-test' } });
      expect(logged.status).toBe(200);

      api.child.kill('SIGTERM');
      workers.child.kill('SIGTERM');
      const [apiExit, workersExit] = await Promise.all([exitOf(api.child), exitOf(workers.child)]);
      expect(apiExit, api.stderr()).toEqual({ code: 0, signal: null });
      expect(workersExit, workers.stderr()).toEqual({ code: 0, signal: null });

      const requestLine = api
        .stderr()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'request' && l.path === '/healthz');
      expect(requestLine).toMatchObject({ requestId: 'from-the-cli-test', status: 200 });
      // The worker said goodbye: its heartbeat is gone.
      expect(await db.selectFrom('worker_heartbeats').select('pid').execute()).toEqual([]);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      await db.destroy();
    }
  }, CLI_TIMEOUT);
});
