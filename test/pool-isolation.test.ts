import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import type { Db } from '../src/infra/db.js';
import { createLogger } from '../src/infra/logger.js';
import { startHub, type RunningHub } from '../src/hub.js';
import { createServices } from '../src/services.js';
import { makeUser, type TestUser } from './factories.js';
import { clearRedisPrefix, createTestDatabase, dropTestDatabase, testConfig } from './harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';

/**
 * `estf start` (API and workers in one process): a reader that takes every connection the API has cannot
 * delay a page, because the workers page from a pool of their own; and the API's statements time out.
 */

const sys = systemPrincipal('test');

describe('API and workers in one process (estf start)', () => {
  let database: { name: string; url: string };
  let hub: RunningHub;
  let receiver: WebhookReceiver;
  let county: TestUser;
  let prefix: string;
  /** The pool GraphQL requests use. */
  let apiDb: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    receiver = await startWebhookReceiver();
    const config = testConfig({ DATABASE_URL: database.url, DATABASE_API_POOL_SIZE: '3', DATABASE_API_STATEMENT_TIMEOUT: '1s' });
    prefix = config.queuePrefix;
    hub = await startHub(config, createLogger('silent'), { api: true, workers: true });
    apiDb = (hub as RunningHub & { apiDb?: Db }).apiDb ?? hub.deps.db;
    county = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST']);
    const duty = await makeUser(hub.deps, 'sos', ['ANALYST'], 'duty');
    const oncall = hub.deps.services.oncall;
    await oncall.setSchedule(sys, { organization: 'sos', duty: 'security-duty', participants: [duty.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await oncall.addContactMethod(sys, { email: duty.email, kind: 'WEBHOOK', target: receiver.url });
    await hub.deps.db.updateTable('routing_rules').set({ enabled: false }).execute();
    const coordinator = await makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']);
    const res = await fetch(`http://127.0.0.1:${hub.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${coordinator.token}` },
      body: JSON.stringify({
        query: `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`,
        variables: { input: { name: 'isolation', severityAtLeast: 'CRITICAL', levels: [{ ackTimeoutSeconds: 300, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] }] } },
      }),
    });
    expect((await res.json()).errors).toBeUndefined();
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    await receiver?.close();
    if (prefix) await clearRedisPrefix(prefix);
    if (database) await dropTestDatabase(database.name);
  });

  it('pages within seconds while a heavy reader holds every connection of the API', async () => {
    // The reader: every connection of the API's pool, held for 8 seconds.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // DATABASE_API_POOL_SIZE, or the one pool of a hub whose API and workers share it (25).
    const size = apiDb === hub.deps.db ? 25 : 3;
    const held: Array<Promise<void>> = [];
    let holding = 0;
    for (let i = 0; i < size; i++) {
      held.push(
        apiDb.connection().execute(async () => {
          holding++;
          await Promise.race([released, new Promise((r) => setTimeout(r, 8_000))]);
        }),
      );
    }
    try {
      // The API is starved: a GraphQL request waits.
      const starved = await Promise.race([
        fetch(`http://127.0.0.1:${hub.port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${county.token}` },
          body: JSON.stringify({ query: '{ incidents(first: 1) { totalCount } }' }),
        }).then(() => 'answered'),
        new Promise((r) => setTimeout(() => r('waiting'), 1_000)),
      ]);
      expect(starved).toBe('waiting');
      expect(holding).toBeGreaterThanOrEqual(3);

      // A CRITICAL incident filed meanwhile (by another API process, say): its page goes out at once.
      // This process's services run on the API's starved pool: another process's are on a pool of their own.
      const elsewhere = createServices({ db: hub.deps.db, config: hub.deps.config });
      const principal = await elsewhere.identity.authenticate(county.token, { requestId: 'isolation', clientAddress: null });
      const started = Date.now();
      await elsewhere.incidents.file(principal!, {
        title: 'Ransomware during the heavy read',
        summary: 's',
        category: 'RANSOMWARE',
        severity: 'CRITICAL',
        tlp: 'GREEN',
      } as never);
      await receiver.waitFor(1, 5_000);
      expect(receiver.requests[0]!.at - started).toBeLessThan(3_000);
    } finally {
      release();
      await Promise.allSettled(held);
    }
  });

  it('cancels an API statement that runs longer than DATABASE_API_STATEMENT_TIMEOUT', async () => {
    const started = Date.now();
    await expect(sql`select pg_sleep(5)`.execute(apiDb)).rejects.toThrow(/statement timeout/);
    expect(Date.now() - started).toBeLessThan(3_000);
    // The workers' pool has no such limit (a delivery may wait on a slow receiver inside a transaction).
    await expect(sql`select pg_sleep(1.2)`.execute(hub.deps.db)).resolves.toBeDefined();
  });
});
