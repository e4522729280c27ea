import { describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { makeUser } from './factories.js';
import { hubOn, startOwnPostgres } from './support/own-postgres.js';

/**
 * The console while PostgreSQL is down (the test's own cluster, stopped as a crash would stop it): a person in
 * a browser gets a page saying when to try again (503, Retry-After), never the API's JSON or a stack, and the
 * same session works again once the database is back.
 */

describe('console during a database outage', () => {
  it('answers an HTML 503 with Retry-After while PostgreSQL is stopped, and the session works again after', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const pg = await startOwnPostgres();
    onTestFinished(() => pg.destroy());
    await pg.createDatabase('estf');
    const hub = await hubOn(pg.url('estf'), {});
    onTestFinished(() => hub.close());
    const analyst = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'outage');
    const link = await hub.deps.services.sessions.issueLoginLink(systemPrincipal('test'), analyst.email);
    // The link names the configured PUBLIC_URL; the hub under test listens elsewhere: same path, this origin.
    const signIn = await fetch(`${hub.url}${new URL(link.url).pathname}`, { method: 'POST', redirect: 'manual', headers: { origin: new URL(hub.config.http.publicUrl).origin } });
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await fetch(`${hub.url}/console/now`, { headers: { cookie } })).status).toBe(200);

    await pg.stop();
    for (const path of ['/console/now', '/console/incidents', '/console/indicators?q=example.com']) {
      const res = await fetch(`${hub.url}${path}`, { headers: { cookie }, redirect: 'manual' });
      const body = await res.text();
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 503, 'text/html; charset=UTF-8']);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(body).toContain('briefly unavailable');
      expect(body).not.toMatch(/"errors"|at .*\.ts:\d+|ECONNREFUSED/);
    }

    await pg.start();
    // The pool reconnects on its own: the same cookie is a session again.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${hub.url}/console/now`, { headers: { cookie } })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
