import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { startWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';
import { until } from './support/until.js';

/**
 * The purge of the console's sign-in rows: used or expired sign-in links, sessions past their absolute
 * lifetime (revoked or not) and sign-in requests older than the rate limits' window are deleted; what can
 * still sign in, still run, or still count towards a limit stays. The workers run it every
 * ESTF_SIGN_IN_PURGE_INTERVAL, and revoke a deactivated user's sessions (a reactivation does not revive them).
 */

const operator = systemPrincipal('test');
const meta = { requestId: null, clientAddress: '198.51.100.9', userAgent: 'purge-test' };
const sha256 = (s: string) => createHash('sha256').update(s).digest();

describe('ESTF_SIGN_IN_PURGE_INTERVAL', () => {
  it('defaults to an hour, takes a duration, refuses less than a second', () => {
    expect(loadConfig({}).console.purgeEveryMs).toBe(3_600_000);
    expect(loadConfig({ ESTF_SIGN_IN_PURGE_INTERVAL: '15m' }).console.purgeEveryMs).toBe(900_000);
    expect(() => loadConfig({ ESTF_SIGN_IN_PURGE_INTERVAL: '500ms' })).toThrow(ConfigError);
    expect(() => loadConfig({ ESTF_SIGN_IN_PURGE_INTERVAL: 'hourly' })).toThrow(/ESTF_SIGN_IN_PURGE_INTERVAL/);
  });
});

describe('purging sign-in links, sessions and sign-in requests', () => {
  let hub: TestHub;
  let user: TestUser;

  beforeAll(async () => {
    hub = await startTestHub({ ESTF_SIGN_IN_PURGE_INTERVAL: '1s' }, { http: false });
    user = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'purge');
  });
  afterAll(async () => hub?.close());

  const sessions = () => hub.deps.services.sessions;
  const tokenOf = async () => (await sessions().issueLoginLink(operator, user.email)).url.split('/').pop()!;
  const open = async () => (await sessions().signIn(await tokenOf(), meta))!;
  const ago = (ms: number) => new Date(Date.now() - ms);
  const exists = async (table: 'login_links' | 'sessions', id: string) => (await hub.db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  const linkId = async (token: string) => (await hub.db.selectFrom('login_links').select('id').where('token_hash', '=', sha256(token)).executeTakeFirstOrThrow()).id;
  const request = async (at: Date) =>
    (await hub.db.insertInto('sign_in_requests').values({ email_hash: sha256(`x-${randomBytes(4).toString('hex')}`), client_address_hash: null, at }).returning('id').executeTakeFirstOrThrow()).id;
  const requestExists = async (id: string) => (await hub.db.selectFrom('sign_in_requests').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  it('deletes exactly what can no longer sign in, run or count; keeps the rest working', async () => {
    // Links: one used (by a sign-in), one expired, one still usable.
    const live = await open();
    const usedLink = (await hub.db.selectFrom('login_links').select('id').where('used_at', 'is not', null).orderBy('created_at', 'desc').executeTakeFirstOrThrow()).id;
    const expiredToken = await tokenOf();
    const expiredLink = await linkId(expiredToken);
    await hub.db.updateTable('login_links').set({ expires_at: ago(1_000) }).where('id', '=', expiredLink).execute();
    const usableToken = await tokenOf();
    const usableLink = await linkId(usableToken);
    // Sessions: one past its absolute lifetime, one revoked but not yet past it, one idle-expired (not past it), one live.
    const old = await open();
    await hub.db.updateTable('sessions').set({ expires_at: ago(1_000), idle_expires_at: ago(2_000) }).where('id', '=', old.session.id).execute();
    const oldRevoked = await open();
    await sessions().signOut(oldRevoked.session);
    await hub.db.updateTable('sessions').set({ expires_at: ago(1_000) }).where('id', '=', oldRevoked.session.id).execute();
    const revoked = await open();
    await sessions().signOut(revoked.session);
    const idle = await open();
    await hub.db.updateTable('sessions').set({ idle_expires_at: ago(1_000) }).where('id', '=', idle.session.id).execute();
    // Sign-in requests: one older than the 15-minute window, one inside it.
    const oldRequest = await request(ago(16 * 60_000));
    const recentRequest = await request(ago(5 * 60_000));

    const purged = await sessions().purge();
    expect(purged).toEqual({ loginLinks: expect.any(Number), sessions: expect.any(Number), signInRequests: expect.any(Number) });
    for (const id of [usedLink, expiredLink]) expect(await exists('login_links', id), id).toBe(false);
    expect(await exists('login_links', usableLink)).toBe(true);
    for (const s of [old, oldRevoked]) expect(await exists('sessions', s.session.id)).toBe(false);
    for (const s of [revoked, idle, live]) expect(await exists('sessions', s.session.id)).toBe(true);
    expect(await requestExists(oldRequest)).toBe(false);
    expect(await requestExists(recentRequest)).toBe(true);
    expect(purged.sessions).toBeGreaterThanOrEqual(2);
    expect(purged.signInRequests).toBeGreaterThanOrEqual(1);

    // What stayed still works as before: the live session, the usable link; the revoked one stays revoked.
    expect(await sessions().authenticate(live.cookieValue, meta)).not.toBeNull();
    expect(await sessions().authenticate(revoked.cookieValue, meta)).toBeNull();
    expect(await sessions().signIn(usableToken, meta)).not.toBeNull();
    // A second run finds nothing more of these.
    const again = await sessions().purge();
    expect(again.sessions).toBe(0);
    expect(again.signInRequests).toBe(0);
  });

  it('the workers purge on their own every interval, and revoke the sessions of a deactivated user', async () => {
    const workers = await startWorkers(hub.deps);
    try {
      const stale = await open();
      await hub.db.updateTable('sessions').set({ expires_at: ago(1_000) }).where('id', '=', stale.session.id).execute();
      const staleLink = await linkId(await tokenOf());
      await hub.db.updateTable('login_links').set({ expires_at: ago(1_000) }).where('id', '=', staleLink).execute();
      const oldRequest = await request(ago(60 * 60_000));
      await until(async () => (!(await exists('sessions', stale.session.id)) && !(await exists('login_links', staleLink)) && !(await requestExists(oldRequest))) || null, 15_000);

      const leaver = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'leaver');
      const link = (await sessions().issueLoginLink(operator, leaver.email)).url.split('/').pop()!;
      const s = (await sessions().signIn(link, meta))!;
      await hub.deps.services.identity.deactivateUser(operator, leaver.email);
      // At once: the next request is refused (the user is checked on every request) ...
      expect(await sessions().authenticate(s.cookieValue, meta)).toBeNull();
      // ... and the workers revoke the row, so reactivating does not bring the session back.
      await until(async () => (await hub.db.selectFrom('sessions').select('revoked_at').where('id', '=', s.session.id).executeTakeFirstOrThrow()).revoked_at ?? null, 15_000);
      await hub.deps.services.identity.reactivateUser(operator, leaver.email);
      expect(await sessions().authenticate(s.cookieValue, meta)).toBeNull();
      const entry = await hub.db.selectFrom('audit_log').select('change').where('action', '=', 'console.sessions_ended').where('object_id', '=', leaver.id).executeTakeFirstOrThrow();
      expect(entry.change).toEqual({ sessions: 1, reason: 'user deactivated' });
    } finally {
      await workers.close();
    }
  }, 60_000);
});
