import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { REDIS_URL } from './db-admin.js';
import { spawnEstf } from './estf-process.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type TestHub } from './harness.js';
import { sseSubscribe, wsSubscribe, type LiveClient, type Received } from './support/live-clients.js';
import { startWebhookReceiver } from './support/receivers.js';
import { until } from './support/until.js';

const sys = systemPrincipal('test');
const REPORT = `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { index ok error field } }`;
const SIGHT = `mutation($input: ReportSightingInput!) { reportSighting(input: $input) { id } }`;
const FIELDS = `cursor kind at indicator { type value } report { organization { slug } tlp confidence } sighting { organization { slug } tlp count } incident { id tlp }`;
const ALERTS = `subscription($filter: IndicatorAlertFilter) { indicatorAlerts(filter: $filter) { ${FIELDS} } }`;
const CREATE_SUBSCRIPTION = `mutation($input: CreateAlertSubscriptionInput!) { createAlertSubscription(input: $input) { subscription { id } } }`;
const CATCH_UP = `query($after: String, $filter: IndicatorAlertFilter, $first: Int) {
  indicatorAlerts(after: $after, filter: $filter, first: $first) { totalCount edges { cursor node { ${FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;

interface Alert {
  cursor: string;
  kind: 'REPORTED' | 'SIGHTED' | 'CORRELATED';
  at: string;
  indicator: { type: string; value: string };
  report: { organization: { slug: string }; tlp: string; confidence: number } | null;
  sighting: { organization: { slug: string }; tlp: string; count: number } | null;
  incident: { id: string; tlp: string } | null;
}
type Live = { indicatorAlerts: Alert };
const alertOf = (r: Received<Live>): Alert | undefined => r.data?.indicatorAlerts;
const valueOf = (r: Received<Live>) => alertOf(r)?.indicator.value;
/** What a subscriber learns from an alert: compared between the live stream and the catch-up. */
const brief = (a: Alert) => ({ cursor: a.cursor, kind: a.kind, value: a.indicator.value, report: a.report, sighting: a.sighting, incident: a.incident });

// One run's values: the template database may be shared with other files' data, never with these values.
const T = randomBytes(3).toString('hex');
const linked = `linked-${T}.info`;
const statewide = `statewide-${T}.info`;

describe('live indicator alerts (SSE and WebSocket)', () => {
  let hub: TestHub;
  let workers: RunningWorkers | null = null;
  let child: ChildProcess | null = null;
  let orange: TestUser, kern: TestUser, fresno: TestUser, cisa: TestUser, coordinator: TestUser;
  let incidentId: string;
  const clients: LiveClient[] = [];
  // Subscribers online from the start: what each test checks, and what the catch-up must reproduce.
  const live = {} as Record<'cisaAll' | 'coordAll' | 'cisaDomains' | 'cisaDomainsWs' | 'coordConfident' | 'coordAmber' | 'coordKern' | 'cisaLinked' | 'cisaSightedOrCorrelated' | 'cisaIncident' | 'orangeCorrelated', LiveClient<Live>>;
  const filters: Record<keyof typeof live, { who: () => TestUser; filter: Record<string, unknown>; ws?: boolean }> = {
    cisaAll: { who: () => cisa, filter: {} },
    coordAll: { who: () => coordinator, filter: {}, ws: true },
    cisaDomains: { who: () => cisa, filter: { types: ['DOMAIN'] } },
    cisaDomainsWs: { who: () => cisa, filter: { types: ['DOMAIN'] }, ws: true },
    coordConfident: { who: () => coordinator, filter: { confidenceAtLeast: 80 } },
    coordAmber: { who: () => coordinator, filter: { tlp: ['AMBER'] } },
    coordKern: { who: () => coordinator, filter: { organization: 'county-kern' } },
    cisaLinked: { who: () => cisa, filter: { linkedToIncident: true } },
    cisaSightedOrCorrelated: { who: () => cisa, filter: { kinds: ['SIGHTED', 'CORRELATED'] } },
    cisaIncident: { who: () => cisa, filter: { linkedIncident: 'set in beforeAll' } },
    orangeCorrelated: { who: () => orange, filter: { kinds: ['CORRELATED'] } },
  };
  /** The cursor of the first alert of this file: the catch-up starts after it. */
  let start: string;

  const report = async (by: TestUser, input: Array<Record<string, unknown>>) => {
    const r = await hub.gql(by.token, REPORT, { input });
    expect(r.errors).toBeUndefined();
    for (const x of r.data.reportIndicators) expect(x, JSON.stringify(x)).toMatchObject({ ok: true });
    return Date.now();
  };
  const sight = async (by: TestUser, input: Record<string, unknown>) => {
    const r = await hub.gql(by.token, SIGHT, { input });
    expect(r.errors).toBeUndefined();
    return Date.now();
  };
  /** Waits until `n` more live streams than `base` are open in the hub's process: the subscriptions are listening. */
  const streamsOpen = (base: number, n: number) => until(async () => hub.deps.services.alerts.liveStreams >= base + n, 5_000);
  const ofRun = (c: LiveClient<Live>, tag: string) => c.received.filter((r) => valueOf(r)?.includes(tag)).map((r) => alertOf(r)!);

  beforeAll(async () => {
    hub = await startTestHub();
    workers = await startWorkers(hub.deps);
    [orange, kern, fresno, cisa, coordinator] = await Promise.all([
      makeUser(hub.deps, 'county-orange', ['ANALYST']),
      makeUser(hub.deps, 'county-kern', ['ANALYST']),
      makeUser(hub.deps, 'county-fresno', ['ANALYST']),
      makeUser(hub.deps, 'cisa', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
    ]);
    const filed = await hub.gql(orange.token, `mutation { fileIncident(input: {title: "Phishing of poll workers", summary: "s", category: PHISHING, severity: MODERATE, tlp: GREEN}) { id } }`);
    incidentId = filed.data.fileIncident.id;
    filters.cisaIncident.filter = { linkedIncident: incidentId };

    const base = hub.deps.services.alerts.liveStreams;
    for (const [name, f] of Object.entries(filters) as Array<[keyof typeof live, (typeof filters)[keyof typeof live]]>) {
      const c = (f.ws ? wsSubscribe : sseSubscribe)<Live>(hub.url, f.who().token, ALERTS, { filter: f.filter });
      live[name] = c;
      clients.push(c);
    }
    await Promise.all(Object.values(live).map((c) => c.connected));
    await streamsOpen(base, Object.keys(live).length);
    await report(kern, [{ value: `start-${T}.info`, tlp: 'GREEN' }]);
    start = alertOf(await live.cisaAll.waitFor((r) => valueOf(r) === `start-${T}.info`))!.cursor;
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.dispose();
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      setTimeout(() => child?.kill('SIGKILL'), 5_000).unref();
      await exited;
    }
    await workers?.close();
    await hub?.close();
  });

  it('a GREEN or CLEAR report of a matching type reaches SSE and WebSocket subscribers within a second, with its cursor; AMBER outside the audience, TLP:RED and other types do not', async () => {
    const tag = `t1-${T}`;
    const at = await report(orange, [
      { value: `amber-${tag}.info`, tlp: 'AMBER' },
      { value: `red-${tag}.info`, tlp: 'RED' },
      { value: `45.33.17.9`, tlp: 'GREEN', description: tag },
      { value: `10.9.8.7`, tlp: 'GREEN' },
      { value: linked, tlp: 'GREEN', confidence: 85, incidentId },
      { value: `clear-${tag}.info`, tlp: 'CLEAR' },
    ]);
    // A later alert CISA may see: streams deliver in cursor order, so everything before it has been decided.
    await report(kern, [{ value: `barrier-${tag}.info`, tlp: 'GREEN' }]);

    for (const c of [live.cisaDomains, live.cisaDomainsWs]) {
      const green = await c.waitFor((r) => valueOf(r) === linked, 3_000);
      expect(green.at - at, 'delivered within a second').toBeLessThan(1_000);
      expect(alertOf(green)).toMatchObject({
        kind: 'REPORTED',
        indicator: { type: 'DOMAIN', value: linked },
        report: { organization: { slug: 'county-orange' }, tlp: 'GREEN', confidence: 85 },
        sighting: null,
        incident: null,
      });
      expect(alertOf(green)!.cursor).toMatch(/^\d+$/);
      const clear = await c.waitFor((r) => valueOf(r) === `clear-${tag}.info`, 3_000);
      expect(clear.at - at, 'delivered within a second').toBeLessThan(1_000);
      expect(alertOf(clear)!.report).toMatchObject({ tlp: 'CLEAR' });
      await c.waitFor((r) => valueOf(r) === `barrier-${tag}.info`);
      // Not the AMBER (CISA is not in its audience), not the RED, not the IPv4 (filtered by type).
      expect(ofRun(c, tag).map((a) => a.indicator.value).sort()).toEqual([`barrier-${tag}.info`, `clear-${tag}.info`]);
      expect(c.received.map(valueOf)).not.toContain('45.33.17.9');
      // One report batch is one log row: its alerts have distinct cursors, in increasing order.
      const cursors = c.received.map((r) => BigInt(alertOf(r)!.cursor));
      expect(cursors.every((x, i) => i === 0 || x > cursors[i - 1]!)).toBe(true);
    }
    // A coordinator is in every AMBER audience, but not a RED report's recipient; warning-list values are left out.
    await live.coordAll.waitFor((r) => valueOf(r) === `barrier-${tag}.info`);
    const coordinatorGot = live.coordAll.received.map(valueOf);
    expect(coordinatorGot).toEqual(expect.arrayContaining([`amber-${tag}.info`, '45.33.17.9', linked, `clear-${tag}.info`]));
    expect(coordinatorGot).not.toContain(`red-${tag}.info`);
    expect(coordinatorGot).not.toContain('10.9.8.7');
  });

  it('an AMBER report of a value CISA already sees through a GREEN one is not sent to CISA; one shared with CISA is', async () => {
    const tag = `t2-${T}`;
    await report(kern, [{ value: `dual-${tag}.info`, tlp: 'GREEN', confidence: 90 }]);
    await live.cisaAll.waitFor((r) => valueOf(r) === `dual-${tag}.info`);
    // Orange's own report of the same value, for its audience only: the indicator is visible to CISA, this report is not.
    await report(orange, [{ value: `dual-${tag}.info`, tlp: 'AMBER', confidence: 95, description: 'only for the audience' }]);
    await report(orange, [{ value: `shared-${tag}.info`, tlp: 'AMBER', shareWith: ['cisa'] }]);
    const shared = await live.cisaAll.waitFor((r) => valueOf(r) === `shared-${tag}.info`);
    expect(alertOf(shared)!.report).toMatchObject({ organization: { slug: 'county-orange' }, tlp: 'AMBER' });

    const dual = ofRun(live.cisaAll, tag).filter((a) => a.indicator.value === `dual-${tag}.info`);
    expect(dual.map((a) => a.report!.organization.slug)).toEqual(['county-kern']);
    // Those in its audience receive both reports.
    await live.coordAll.waitFor((r) => valueOf(r) === `shared-${tag}.info`);
    const both = ofRun(live.coordAll, tag).filter((a) => a.indicator.value === `dual-${tag}.info`);
    expect(both.map((a) => [a.report!.organization.slug, a.report!.tlp])).toEqual([
      ['county-kern', 'GREEN'],
      ['county-orange', 'AMBER'],
    ]);
  });

  it('a sighting reaches those who may see it: GREEN every partner, AMBER only the sighting county and the coordinators', async () => {
    const tag = `t3-${T}`;
    await sight(orange, { value: `seen-amber-${tag}.info`, tlp: 'AMBER', count: 3 });
    const at = await sight(orange, { value: linked, tlp: 'GREEN', count: 7 });
    await report(kern, [{ value: `barrier-${tag}.info`, tlp: 'GREEN' }]);

    const got = await live.cisaSightedOrCorrelated.waitFor((r) => valueOf(r) === linked && alertOf(r)!.kind === 'SIGHTED');
    expect(got.at - at, 'delivered within a second').toBeLessThan(1_000);
    expect(alertOf(got)).toMatchObject({ kind: 'SIGHTED', report: null, incident: null, sighting: { organization: { slug: 'county-orange' }, tlp: 'GREEN', count: 7 } });
    await live.cisaAll.waitFor((r) => valueOf(r) === `barrier-${tag}.info`);
    expect(live.cisaAll.received.map(valueOf)).not.toContain(`seen-amber-${tag}.info`);
    expect(live.cisaSightedOrCorrelated.received.map(valueOf)).not.toContain(`seen-amber-${tag}.info`);

    const amber = await live.coordAll.waitFor((r) => valueOf(r) === `seen-amber-${tag}.info`);
    expect(alertOf(amber)).toMatchObject({ kind: 'SIGHTED', sighting: { organization: { slug: 'county-orange' }, tlp: 'AMBER', count: 3 } });
    // The value is linked to CISA's visible incident: its sighting follows that incident's subscribers too.
    await live.cisaIncident.waitFor((r) => valueOf(r) === linked && alertOf(r)!.kind === 'SIGHTED');
  });

  it('a cross-county correlation is a CORRELATED alert for those who may see the statewide incident, after the report that caused it', async () => {
    const tag = `t4-${T}`;
    await report(orange, [{ value: statewide, tlp: 'GREEN' }]);
    await report(kern, [{ value: statewide, tlp: 'GREEN' }]);
    await report(fresno, [{ value: statewide, tlp: 'GREEN' }]);
    await report(kern, [{ value: `barrier-${tag}.info`, tlp: 'GREEN' }]);

    const corr = await hub.db.selectFrom('indicator_correlations').innerJoin('indicators', 'indicators.id', 'indicator_correlations.indicator_id').select('incident_id').where('indicators.value', '=', statewide).executeTakeFirstOrThrow();
    for (const c of [live.coordAll, live.orangeCorrelated]) {
      const got = await c.waitFor((r) => valueOf(r) === statewide && alertOf(r)!.kind === 'CORRELATED');
      expect(alertOf(got)).toMatchObject({ indicator: { type: 'DOMAIN', value: statewide }, incident: { id: corr.incident_id, tlp: 'AMBER' }, report: null, sighting: null });
    }
    await live.coordAll.waitFor((r) => valueOf(r) === `barrier-${tag}.info`);
    const sequence = live.coordAll.received.filter((r) => valueOf(r) === statewide).map((r) => [alertOf(r)!.kind, alertOf(r)!.report?.organization.slug ?? null]);
    expect(sequence).toEqual([
      ['REPORTED', 'county-orange'],
      ['REPORTED', 'county-kern'],
      ['REPORTED', 'county-fresno'],
      ['CORRELATED', null],
    ]);
    // CISA sees the GREEN reports of the value, but not the AMBER statewide incident: no CORRELATED alert.
    await live.cisaAll.waitFor((r) => valueOf(r) === `barrier-${tag}.info`);
    expect(live.cisaAll.received.filter((r) => valueOf(r) === statewide).map((r) => alertOf(r)!.kind)).toEqual(['REPORTED', 'REPORTED', 'REPORTED']);
    expect(live.cisaSightedOrCorrelated.received.map((r) => alertOf(r)!.kind)).not.toContain('CORRELATED');
  });

  it('indicatorAlerts(after:) returns exactly the alerts each live subscriber received, with the same cursors, for every filter', async () => {
    // Everything so far has been delivered once the last barrier reached the unfiltered streams.
    await live.cisaAll.waitFor((r) => valueOf(r) === `barrier-t4-${T}.info`);
    await live.coordAll.waitFor((r) => valueOf(r) === `barrier-t4-${T}.info`);
    for (const [name, f] of Object.entries(filters) as Array<[keyof typeof live, (typeof filters)[keyof typeof live]]>) {
      const r = await hub.gql(f.who().token, CATCH_UP, { after: start, filter: f.filter, first: 500 });
      expect(r.errors, name).toBeUndefined();
      const page = r.data.indicatorAlerts as { totalCount: number; edges: Array<{ cursor: string; node: Alert }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      const after = () => live[name].received.map(alertOf).filter((a) => a && BigInt(a.cursor) > BigInt(start)) as Alert[];
      // A filtered stream has nothing to wait for: give it until it has as many, then compare exactly.
      await until(async () => after().length >= page.edges.length, 3_000).catch(() => {});
      expect(page.edges.map((e) => brief(e.node)), name).toEqual(after().map(brief));
      expect(page.edges.map((e) => e.cursor), name).toEqual(page.edges.map((e) => e.node.cursor));
      expect(page.totalCount, name).toBe(page.edges.length);
      expect(page.pageInfo, name).toEqual({ hasNextPage: false, endCursor: page.edges.at(-1)?.cursor ?? null });
    }
    // The filters did filter: each stream saw some alerts, and fewer than the unfiltered one.
    const counts = Object.fromEntries(Object.entries(live).map(([k, c]) => [k, c.received.length]));
    for (const k of ['cisaDomains', 'cisaLinked', 'cisaSightedOrCorrelated', 'cisaIncident'] as const) {
      expect(counts[k], k).toBeGreaterThan(0);
      expect(counts[k], k).toBeLessThan(counts.cisaAll!);
    }
    for (const k of ['coordConfident', 'coordAmber', 'coordKern'] as const) {
      expect(counts[k], k).toBeGreaterThan(0);
      expect(counts[k], k).toBeLessThan(counts.coordAll!);
    }

    // Page by page, the same sequence; invisible alerts are neither returned nor counted.
    const all = (await hub.gql(coordinator.token, CATCH_UP, { after: start, first: 500 })).data.indicatorAlerts;
    const paged: string[] = [];
    let after: string | null = start;
    for (;;) {
      const p: { totalCount: number; edges: Array<{ cursor: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = (await hub.gql(coordinator.token, CATCH_UP, { after, first: 3 })).data.indicatorAlerts;
      expect(p.totalCount).toBe(all.edges.length - paged.length);
      paged.push(...p.edges.map((e) => e.cursor));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(paged).toEqual(all.edges.map((e: { cursor: string }) => e.cursor));
    // A cursor in the middle of a report batch resumes inside it.
    const batch = all.edges.filter((e: { node: Alert }) => e.node.indicator.value === `amber-t1-${T}.info` || e.node.indicator.value === linked);
    expect(batch.length).toBeGreaterThan(1);
    const resumed = (await hub.gql(coordinator.token, CATCH_UP, { after: batch[0].cursor, first: 1 })).data.indicatorAlerts.edges;
    expect(resumed.map((e: { cursor: string }) => e.cursor)).toEqual([all.edges[all.edges.findIndex((e: { cursor: string }) => e.cursor === batch[0].cursor) + 1].cursor]);

    expectCode(await hub.gql(cisa.token, CATCH_UP, { after: 'not-a-cursor' }), 'BAD_USER_INPUT');
    expectCode(await hub.gql(cisa.token, CATCH_UP, { filter: { confidenceAtLeast: 101 } }), 'BAD_USER_INPUT');
    expectCode(await hub.gql(null, CATCH_UP, {}), 'UNAUTHENTICATED');
  });

  it('saved alert subscriptions tell of the same reports: not the AMBER re-report CISA may not see, the GREEN and the shared AMBER ones', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const created = await hub.gql(cisa.token, CREATE_SUBSCRIPTION, {
        input: { name: 'Indicators', channels: ['WEBHOOK'], webhookUrl: receiver.url, mode: 'IMMEDIATE', filter: { includeIndicators: true } },
      });
      expect(created.errors).toBeUndefined();
      const tag = `t5-${T}`;
      await report(kern, [{ value: `dual-${tag}.info`, tlp: 'GREEN' }]);
      await receiver.waitFor(1);
      await report(orange, [{ value: `dual-${tag}.info`, tlp: 'AMBER' }]);
      await report(orange, [{ value: `shared-${tag}.info`, tlp: 'AMBER', shareWith: ['cisa'] }]);
      await receiver.waitFor(2);
      // Deliveries are jobs of their own: give a third (the leak) time to arrive.
      await new Promise((r) => setTimeout(r, 1_000));
      const sent = receiver.requests.map((r) => (JSON.parse(r.body) as { indicators: Array<{ value: string }> }).indicators.map((i) => i.value));
      expect(sent.flat().sort()).toEqual([`dual-${tag}.info`, `shared-${tag}.info`]);
    } finally {
      await receiver.close();
    }
  });

  it('a revoked token or a deactivated user closes the stream within 5 seconds, and no later alert reaches it', async () => {
    const tag = `t6-${T}`;
    const [revoked, deactivated] = await Promise.all([makeUser(hub.deps, 'cisa', ['VIEWER'], 'revoked'), makeUser(hub.deps, 'ei-isac', ['VIEWER'], 'deactivated')]);
    const sse = sseSubscribe<Live>(hub.url, revoked.token, ALERTS, {});
    const ws = wsSubscribe<Live>(hub.url, deactivated.token, ALERTS, {});
    clients.push(sse, ws);
    await Promise.all([sse.connected, ws.connected]);
    await report(kern, [{ value: `before-${tag}.info`, tlp: 'GREEN' }]);
    await Promise.all([sse, ws].map((c) => c.waitFor((r) => valueOf(r) === `before-${tag}.info`)));

    const t0 = Date.now();
    const [token] = await hub.deps.services.identity.listApiTokens(sys, revoked.email);
    await hub.deps.services.identity.revokeApiToken(sys, token!.prefix);
    await hub.deps.services.identity.deactivateUser(sys, deactivated.email);
    await report(kern, [{ value: `after-${tag}.info`, tlp: 'GREEN' }]);

    const [sseEnd, wsEnd] = await Promise.all([sse.ended, ws.ended]);
    for (const end of [sseEnd, wsEnd]) expect(end.at - t0, 'closed within 5 s').toBeLessThan(5_000);
    expect(sse.received.at(-1)?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(sseEnd.how).toBe('complete');
    expect(wsEnd.code).toBe(4401);
    // The revocation travels in the same ordered stream as the alerts: nothing committed after it is delivered.
    await live.cisaAll.waitFor((r) => valueOf(r) === `after-${tag}.info`);
    for (const c of [sse, ws]) expect(c.received.map(valueOf)).not.toContain(`after-${tag}.info`);
  });

  it('an alert relayed by another process (`estf work`) reaches a subscriber of this API process through Redis', async () => {
    // From now on only the child relays the outbox and publishes live events.
    await workers!.close();
    workers = null;
    child = spawnEstf(['work'], {
      DATABASE_URL: hub.dbUrl,
      REDIS_URL,
      ESTF_QUEUE_PREFIX: hub.config.queuePrefix,
      ESTF_OUTBOX_POLL_INTERVAL: '200ms',
      ESTF_DEMO: 'false',
    });
    let output = '';
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`estf work not ready in 60 s\n${output}`)), 60_000);
      child!.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        if (/ESTF Hub is ready/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`estf work exited with ${code}\n${output}`));
      });
    });

    const tag = `t7-${T}`;
    await sight(orange, { value: `remote-${tag}.info`, tlp: 'GREEN', count: 2 });
    const got = await live.cisaSightedOrCorrelated.waitFor((r) => valueOf(r) === `remote-${tag}.info`, 10_000);
    expect(alertOf(got)).toMatchObject({ kind: 'SIGHTED', sighting: { organization: { slug: 'county-orange' }, count: 2 } });
    // The relay publishes before it commits the row as published: the alert may arrive first.
    const cursor = BigInt(alertOf(got)!.cursor);
    const logId = Number(cursor / 16_384n);
    const relayed = await until(async () => (await hub.db.selectFrom('outbox').select(['topic', 'published_at']).where('id', '=', logId).executeTakeFirstOrThrow()).published_at, 5_000);
    expect(relayed, 'relayed by the child').toBeInstanceOf(Date);
  }, 90_000);
});
