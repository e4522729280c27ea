import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../src/http/app.js';
import { createDb } from '../src/infra/db.js';
import { migrate } from '../src/infra/migrate.js';
import { makeUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Serves an app built from hand-picked dependencies on a real port; returns its base URL and a closer. */
async function serveApp(deps: AppDeps): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { headers });
  const body = await res.json();
  return { status: res.status, body, headers: res.headers, ms: performance.now() - started };
}

describe('health and readiness', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.close());

  it('/healthz says the process is alive', async () => {
    const r = await getJson(`${hub.url}/healthz`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when PostgreSQL, the migrations and Redis are all ok', async () => {
    const r = await getJson(`${hub.url}/readyz`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ready', checks: { postgres: 'ok', migrations: 'ok', redis: 'ok' } });
  });

  it('/readyz is 503 naming redis, within seconds, when Redis does not answer', async () => {
    // Port 1 on the loopback: nothing listens there, so every connection is refused.
    const broken = await startTestHub({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await getJson(`${broken.url}/readyz`);
        expect(r.status).toBe(503);
        expect(r.body.status).toBe('not ready');
        expect(r.body.checks.postgres).toBe('ok');
        expect(r.body.checks.migrations).toBe('ok');
        expect(r.body.checks.redis).toMatch(/^unreachable: /);
        expect(r.ms).toBeLessThan(5_000);
      }
      // Only readiness fails: the process itself is alive.
      expect((await getJson(`${broken.url}/healthz`)).status).toBe(200);
      // Shutting down must not wait for a Redis that never comes.
      const started = performance.now();
      await broken.deps.close();
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await broken.close();
    }
  });

  it('/readyz is 503 naming postgres, within seconds, when PostgreSQL does not answer', async () => {
    const deadDb = createDb('postgres://postgres@127.0.0.1:1/nothing', { max: 1 });
    const app = await serveApp({ ...hub.deps, db: deadDb });
    try {
      const r = await getJson(`${app.url}/readyz`);
      expect(r.status).toBe(503);
      expect(r.body.checks.postgres).toMatch(/^unreachable: /);
      expect(r.body.checks.migrations).toBe('unknown');
      expect(r.body.checks.redis).toBe('ok');
      expect(r.ms).toBeLessThan(5_000);
    } finally {
      await app.close();
      await deadDb.destroy();
    }
  });

  it('/readyz is 503 while a migration is pending', async () => {
    const pending = await startTestHub();
    try {
      await migrate(pending.db, 'down');
      const r = await getJson(`${pending.url}/readyz`);
      expect(r.status).toBe(503);
      expect(r.body.checks).toEqual({ postgres: 'ok', migrations: 'pending migrations', redis: 'ok' });
      await migrate(pending.db, 'latest');
      expect((await getJson(`${pending.url}/readyz`)).status).toBe(200);
    } finally {
      await pending.close();
    }
  });
});

describe('request ids', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.close());

  it('are on every response: health, readiness, GraphQL, refusals and unknown paths', async () => {
    const u = await makeUser(hub.deps, 'county-napa', ['ANALYST']);
    const json = { 'content-type': 'application/json' };
    const responses = await Promise.all([
      fetch(`${hub.url}/healthz`),
      fetch(`${hub.url}/readyz`),
      fetch(`${hub.url}/graphql`, { method: 'POST', headers: { ...json, authorization: `Bearer ${u.token}` }, body: JSON.stringify({ query: '{ viewer { user { email } } }' }) }),
      fetch(`${hub.url}/graphql`, { method: 'POST', headers: json, body: JSON.stringify({ query: '{ viewer { user { email } } }' }) }),
      fetch(`${hub.url}/graphql`, { method: 'POST', headers: json, body: '{not json' }),
      fetch(`${hub.url}/no/such/path`),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 401, 400, 404]);
    const ids = responses.map((r) => r.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('echo a plain incoming x-request-id and replace one that is not plain', async () => {
    const echoed = await fetch(`${hub.url}/healthz`, { headers: { 'x-request-id': 'lb-7f3a.9_c-1' } });
    expect(echoed.headers.get('x-request-id')).toBe('lb-7f3a.9_c-1');
    for (const bad of ['has spaces in it', 'x'.repeat(101), 'line\tbreak', 'quote"d']) {
      const res = await fetch(`${hub.url}/healthz`, { headers: { 'x-request-id': bad } });
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('are in the log lines of their request', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const app = await serveApp({ ...hub.deps, logger });
    try {
      await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'trace-me-1' } });
      const res = await fetch(`${app.url}/readyz`);
      const generated = res.headers.get('x-request-id');
      const requestLines = lines.filter((l) => l.msg === 'request');
      expect(requestLines).toEqual([
        expect.objectContaining({ requestId: 'trace-me-1', method: 'GET', path: '/healthz', status: 200 }),
        expect.objectContaining({ requestId: generated, method: 'GET', path: '/readyz', status: 200 }),
      ]);
    } finally {
      await app.close();
    }
  });
});
