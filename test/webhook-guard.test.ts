import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/infra/logger.js';
import { createSenders } from '../src/modules/notifications/senders.js';
import {
  createWebhookGuard,
  nonPublicAddress,
  parseWebhookAllowList,
  REFUSED_NOT_PUBLIC,
  REFUSED_REDIRECT,
  systemResolver,
  type HostResolver,
} from '../src/modules/notifications/webhook-guard.js';
import { checkWebhookTarget } from '../src/modules/oncall/contact-targets.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, testConfig, type TestHub } from './harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';
import { until } from './support/until.js';

/**
 * Webhooks and SSRF: which addresses a webhook may reach, checked on what a host name resolves to at
 * each delivery, the connection pinned to the checked address, redirects refused, refusals recorded
 * without network detail. Everything here runs the production guard (ESTF_ALLOW_PRIVATE_WEBHOOKS off);
 * host names reach 127.0.0.1 either through /etc/hosts or through an injected resolver.
 */

const strictEnv = { ESTF_ALLOW_PRIVATE_WEBHOOKS: 'false' };
const noAllow = { hosts: [], networks: [] };
const logger = createLogger('silent');

/** A name other than localhost that /etc/hosts maps to a loopback address (real resolution, no DNS server needed). */
function loopbackNameFromEtcHosts(): string {
  for (const line of fs.readFileSync('/etc/hosts', 'utf8').split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || !/^127\./.test(address)) continue;
    const name = names.find((n) => n && !/localhost/i.test(n));
    if (name) return name;
  }
  throw new Error('this test needs a name other than localhost mapped to 127.x in /etc/hosts');
}

/** A resolver from a fixed table, counting its calls. */
function tableResolver(table: Record<string, string[] | (() => string[])>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = (async (hostname: string) => {
    calls.push(hostname);
    const entry = table[hostname];
    const addresses = typeof entry === 'function' ? entry() : entry;
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  }) as HostResolver & { calls: string[] };
  resolve.calls = calls;
  return resolve;
}

describe('the address class: what is not a public address', () => {
  it.each([
    // IPv4
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.1', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation (TEST-NET-1)'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation (TEST-NET-2)'],
    ['203.0.113.10', 'documentation (TEST-NET-3)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // Other IPv4 spellings of loopback
    ['2130706433', 'decimal'],
    ['0x7f.1', 'hex, short'],
    ['0177.0.0.1', 'octal'],
    ['127.1', 'short'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback in brackets'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::7f00:1', 'IPv4-compatible loopback, hex'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated) even of a public address'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['::ffff:0:7f00:1', 'IPv4-translated (RFC 6145)'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of link-local'],
    ['64:ff9b::192.168.0.1', 'NAT64 of private'],
    ['64:ff9b:1::1', 'local-use NAT64 (RFC 8215)'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['2002:a00:1::1', '6to4 of private'],
    ['2002:c0a8:101::1', '6to4 of private'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['2001:2::1', 'benchmarking'],
    ['100::1', 'discard'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'site-local (deprecated)'],
    ['feff::1', 'site-local (deprecated)'],
    ['ff02::1', 'multicast'],
    ['FE80::1', 'uppercase'],
    ['not-an-address', 'not an address at all'],
  ])('%s is not public (%s)', (address) => {
    expect(nonPublicAddress(address)).not.toBeNull();
  });

  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['172.32.0.1'],
    ['100.128.0.1'],
    ['192.0.3.1'],
    ['198.20.0.1'],
    ['223.255.255.254'],
    ['2606:4700::1111'],
    ['2a00:1450:4001:80b::200e'],
    ['[2606:4700::1111]'],
    ['::ffff:8.8.8.8'],
    ['64:ff9b::808:808'],
    ['2002:808:808::1'],
  ])('%s is public', (address) => {
    expect(nonPublicAddress(address)).toBeNull();
  });
});

describe('webhook URLs when saved (literal hosts, whatever DNS says)', () => {
  const strict = { allowPrivateTargets: false, allow: noAllow };

  it.each([
    'http://[::127.0.0.1]/hook',
    'http://[2002:7f00:1::]/hook',
    'http://[fec0::1]/hook',
    'http://[64:ff9b::127.0.0.1]/hook',
    'http://[::ffff:169.254.169.254]/latest/meta-data/',
    'http://[2001:db8::1]/hook',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook',
    'http://[FD00::1]/hook',
    'http://localhost../hook',
    'http://LOCALHOST.:8080/hook',
    'http://sub.localhost./hook',
    'http://%6c%6f%63%61%6c%68%6f%73%74/hook',
    'http://127.0.0.%31/hook',
    'http://0177.0.0.1/hook',
    'http://0x7f.1/hook',
    'http://127.1/hook',
    'http://2130706433/hook',
    'http://192.0.2.1/hook',
    'http://198.51.100.7/hook',
    'http://203.0.113.10/hook',
    'http://100.100.100.200/hook',
    'http://255.255.255.255/hook',
    'http://224.0.0.1/hook',
  ])('refuses %s', (url) => {
    const checked = checkWebhookTarget(url, strict);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toMatch(/ESTF_WEBHOOK_ALLOW/);
  });

  it('accepts public addresses and names (names are checked at delivery)', () => {
    expect(checkWebhookTarget('https://[2606:4700::1111]/hook', strict).ok).toBe(true);
    expect(checkWebhookTarget('http://8.8.8.8:8080/hook', strict).ok).toBe(true);
    expect(checkWebhookTarget('https://hooks.example.org/estf', strict).ok).toBe(true);
  });

  it('accepts what the operators allow-list: a network, or a host name', () => {
    const allow = { allowPrivateTargets: false, allow: { hosts: ['localhost', 'hooks.soc.internal'], networks: ['10.20.0.0/16', 'fd00:1::/48'] } };
    expect(checkWebhookTarget('http://10.20.30.40:8443/hook', allow).ok).toBe(true);
    expect(checkWebhookTarget('http://[fd00:1::5]/hook', allow).ok).toBe(true);
    expect(checkWebhookTarget('http://LocalHost.:9000/hook', allow).ok).toBe(true);
    expect(checkWebhookTarget('http://10.21.0.1/hook', allow).ok).toBe(false);
    expect(checkWebhookTarget('http://127.0.0.1/hook', allow).ok).toBe(false);
  });
});

describe('ESTF_WEBHOOK_ALLOW', () => {
  it('takes host names, addresses and networks, normalised', () => {
    const c = loadConfig({ NODE_ENV: 'production', ESTF_WEBHOOK_ALLOW: 'Hooks.SOC.internal., 10.20.0.0/16,10.1.2.3, [fd00::1], fd00:1::/48' });
    expect(c.webhooks).toEqual({
      allowPrivateTargets: false,
      allow: { hosts: ['hooks.soc.internal'], networks: ['10.20.0.0/16', '10.1.2.3/32', 'fd00::1/128', 'fd00:1::/48'] },
    });
    expect(loadConfig({ NODE_ENV: 'production' }).webhooks.allow).toEqual(noAllow);
  });

  it.each(['http://hooks.soc.internal/', 'hooks.soc.internal:8443', '10.0.0.0/33', '*.soc.internal', 'a b'])('refuses %j at start', (entry) => {
    expect(parseWebhookAllowList(entry).ok).toBe(false);
    expect(() => loadConfig({ ESTF_WEBHOOK_ALLOW: entry })).toThrow(/ESTF_WEBHOOK_ALLOW/);
  });
});

describe('the delivery guard (resolve once, check every address, pin)', () => {
  it('refuses a name resolving to loopback, and a name with any non-public address among public ones', async () => {
    const resolve = tableResolver({ 'hooks.partner.example': ['127.0.0.1'], 'mixed.example': ['8.8.8.8', '10.0.0.1'], 'v6.example': ['2606:4700::1111', 'fd00::1'] });
    const guard = createWebhookGuard({ allowPrivateTargets: false, allow: noAllow, resolve });
    for (const url of ['http://hooks.partner.example:8080/hook', 'https://mixed.example/', 'https://v6.example/', 'HTTPS://HOOKS.PARTNER.EXAMPLE./x']) {
      expect(await guard.check(new URL(url))).toEqual({ ok: false, outcome: 'REFUSED', error: REFUSED_NOT_PUBLIC });
    }
  });

  it('connects to the address it checked, resolving once', async () => {
    const resolve = tableResolver({ 'hooks.partner.example': ['2606:4700::1111', '8.8.8.8'] });
    const guard = createWebhookGuard({ allowPrivateTargets: false, allow: noAllow, resolve });
    expect(await guard.check(new URL('https://hooks.partner.example/estf'))).toEqual({ ok: true, pinned: { address: '2606:4700::1111', family: 6 } });
    expect(resolve.calls).toEqual(['hooks.partner.example']);
  });

  it('refuses localhost names without asking DNS, and literal addresses without a lookup', async () => {
    const resolve = tableResolver({});
    const guard = createWebhookGuard({ allowPrivateTargets: false, allow: noAllow, resolve });
    for (const url of ['http://localhost/', 'http://localhost./', 'http://localhost../', 'http://api.LOCALHOST/', 'http://127.0.0.1/', 'http://[::ffff:7f00:1]/', 'http://[2002:7f00:1::]/']) {
      expect(await guard.check(new URL(url))).toMatchObject({ ok: false, outcome: 'REFUSED', error: REFUSED_NOT_PUBLIC });
    }
    expect(await guard.check(new URL('http://8.8.8.8/'))).toEqual({ ok: true, pinned: null });
    expect(resolve.calls).toEqual([]);
  });

  it('a name that does not resolve is a network error without the resolver’s detail (retried, not refused)', async () => {
    const guard = createWebhookGuard({ allowPrivateTargets: false, allow: noAllow, resolve: tableResolver({}) });
    expect(await guard.check(new URL('https://nowhere.example/'))).toEqual({ ok: false, outcome: 'NETWORK_ERROR', error: 'the host name did not resolve' });
  });

  it('resolves names through the system resolver: a name /etc/hosts maps to 127.0.0.1 is refused', async () => {
    const name = loopbackNameFromEtcHosts();
    expect((await systemResolver(name)).map((a) => a.address)).toContain('127.0.0.1');
    const guard = createWebhookGuard({ allowPrivateTargets: false, allow: noAllow });
    expect(await guard.check(new URL(`http://${name}:8080/hook`))).toEqual({ ok: false, outcome: 'REFUSED', error: REFUSED_NOT_PUBLIC });
    expect(await guard.check(new URL(`http://${name.toUpperCase()}.:8080/hook`))).toEqual({ ok: false, outcome: 'REFUSED', error: REFUSED_NOT_PUBLIC });
  });

  it('the allow-list lets operators reach an internal receiver, by network or by name', async () => {
    const resolve = tableResolver({ 'hooks.soc.internal': ['10.20.1.5'], 'other.internal': ['10.30.1.5'] });
    const byNetwork = createWebhookGuard({ allowPrivateTargets: false, allow: { hosts: [], networks: ['10.20.0.0/16'] }, resolve });
    expect(await byNetwork.check(new URL('https://hooks.soc.internal/'))).toEqual({ ok: true, pinned: { address: '10.20.1.5', family: 4 } });
    expect(await byNetwork.check(new URL('https://other.internal/'))).toMatchObject({ ok: false, outcome: 'REFUSED' });
    const byName = createWebhookGuard({ allowPrivateTargets: false, allow: { hosts: ['hooks.soc.internal'], networks: [] }, resolve });
    expect(await byName.check(new URL('https://hooks.soc.internal./'))).toEqual({ ok: true, pinned: { address: '10.20.1.5', family: 4 } });
    expect(await byName.check(new URL('https://other.internal/'))).toMatchObject({ ok: false, outcome: 'REFUSED' });
  });
});

describe('webhook delivery through the senders (a real receiver on 127.0.0.1)', () => {
  let receiver: WebhookReceiver;
  let port: number;
  let closedPort: number;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    port = Number(new URL(receiver.url).port);
    // A port nobody listens on: before the guard, its refusal (ECONNREFUSED) was recorded as is.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  afterAll(async () => receiver?.close());

  const post = (senders: ReturnType<typeof createSenders>, url: string) => senders.webhook(url, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg-1', { type: 'test' });

  it('refuses a name that resolves to 127.0.0.1, open or closed port alike, without network detail and without connecting', async () => {
    const senders = createSenders(testConfig(strictEnv), logger, { resolve: tableResolver({ 'hooks.partner.example': ['127.0.0.1'] }) });
    const before = receiver.requests.length;
    const open = await post(senders, `http://hooks.partner.example:${port}/hook`);
    const closed = await post(senders, `http://hooks.partner.example:${closedPort}/hook`);
    const etcHosts = await createSenders(testConfig(strictEnv), logger).webhook(`http://${loopbackNameFromEtcHosts()}:${closedPort}/hook`, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg-2', {});
    for (const result of [open, closed, etcHosts]) {
      expect(result).toMatchObject({ outcome: 'REFUSED', httpStatus: null, error: REFUSED_NOT_PUBLIC });
    }
    expect(receiver.requests.length).toBe(before);
  });

  it('an allow-listed receiver is reached at the checked address: the name, known only to the guard’s resolver, goes in the Host header', async () => {
    const resolve = tableResolver({ 'hooks.soc.internal': ['127.0.0.1'] });
    const senders = createSenders(testConfig({ ...strictEnv, ESTF_WEBHOOK_ALLOW: '127.0.0.1/32' }), logger, { resolve });
    const before = receiver.requests.length;
    const result = await post(senders, `http://hooks.soc.internal:${port}/hook`);
    expect(result).toMatchObject({ outcome: 'DELIVERED', httpStatus: 200 });
    expect(receiver.requests.length).toBe(before + 1);
    expect(receiver.requests.at(-1)!.headers.host).toBe(`hooks.soc.internal:${port}`);
    // Resolved once, by the guard: node:http connected to the pinned address instead of asking DNS again.
    expect(resolve.calls).toEqual(['hooks.soc.internal']);
  });

  it('checks again at every delivery: a name that moves to a non-allowed address is refused the next time (DNS rebinding)', async () => {
    let answer = ['127.0.0.1'];
    const resolve = tableResolver({ 'rebind.example': () => answer });
    const senders = createSenders(testConfig({ ...strictEnv, ESTF_WEBHOOK_ALLOW: '127.0.0.1/32' }), logger, { resolve });
    expect((await post(senders, `http://rebind.example:${port}/hook`)).outcome).toBe('DELIVERED');
    const before = receiver.requests.length;
    answer = ['127.0.0.2'];
    expect(await post(senders, `http://rebind.example:${port}/hook`)).toMatchObject({ outcome: 'REFUSED', error: REFUSED_NOT_PUBLIC });
    answer = ['127.0.0.1', '10.0.0.1'];
    expect(await post(senders, `http://rebind.example:${port}/hook`)).toMatchObject({ outcome: 'REFUSED', error: REFUSED_NOT_PUBLIC });
    expect(receiver.requests.length).toBe(before);
    senders.close();
  });

  it('a kept-alive connection is reused only for the address checked at this delivery', async () => {
    let answer = ['127.0.0.1'];
    const resolve = tableResolver({ 'moving.example': () => answer });
    const senders = createSenders(testConfig({ ...strictEnv, ESTF_WEBHOOK_ALLOW: '127.0.0.0/8' }), logger, { resolve });
    expect((await post(senders, `http://moving.example:${port}/hook`)).outcome).toBe('DELIVERED');
    expect((await post(senders, `http://moving.example:${port}/hook`)).outcome).toBe('DELIVERED');
    // The receiver listens on 127.0.0.1 only: a connection to 127.0.0.2 is refused, which proves the
    // delivery went to the newly checked address instead of the open connection to 127.0.0.1.
    answer = ['127.0.0.2'];
    expect(await post(senders, `http://moving.example:${port}/hook`)).toMatchObject({ outcome: 'NETWORK_ERROR' });
    senders.close();
  });

  it('never follows a redirect: a 3xx is a refusal, the Location is not called', async () => {
    const target = await startWebhookReceiver();
    receiver.respond = () => 302;
    try {
      // Private targets allowed here (the receiver is local); redirects are refused whatever that setting.
      const senders = createSenders(testConfig({ ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true' }), logger);
      const before = receiver.requests.length;
      for (const status of [301, 302, 303, 307, 308]) {
        receiver.respond = () => status;
        expect(await post(senders, receiver.url)).toMatchObject({ outcome: 'REFUSED', httpStatus: status, error: REFUSED_REDIRECT });
      }
      expect(receiver.requests.length).toBe(before + 5);
      expect(target.requests).toHaveLength(0);
    } finally {
      receiver.respond = () => 200;
      await target.close();
    }
  });
});

describe('webhooks in a production hub (ESTF_ALLOW_PRIVATE_WEBHOOKS=false)', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  let receiver: WebhookReceiver;
  let loopbackName: string;
  let county: TestUser, cisa: TestUser, coordinator: TestUser, duty: TestUser;
  const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id reference } }`;
  const CREATE = `mutation($input: CreateAlertSubscriptionInput!) { createAlertSubscription(input: $input) { subscription { id } } }`;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    loopbackName = loopbackNameFromEtcHosts();
    hub = await startTestHub({ ...strictEnv, ESTF_DELIVERY_BACKOFF: '100ms', ESTF_DELIVERY_MAX_ATTEMPTS: '2' });
    workers = await startWorkers(hub.deps);
    await hub.db.updateTable('routing_rules').set({ enabled: false }).execute();
    [county, cisa, coordinator, duty] = await Promise.all([
      makeUser(hub.deps, 'county-los-angeles', ['ANALYST']),
      makeUser(hub.deps, 'cisa', ['ANALYST']),
      makeUser(hub.deps, 'sos', ['COORDINATOR', 'ANALYST']),
      makeUser(hub.deps, 'sos', ['ANALYST'], 'ssrf-duty'),
    ]);
  });
  afterAll(async () => {
    await workers?.close();
    await hub?.close();
    await receiver?.close();
  });

  it('an alert subscription whose host name resolves to 127.0.0.1 is saved but never called: the delivery fails as a refused target', async () => {
    const created = await hub.gql(cisa.token, CREATE, { input: { name: 'internal', channels: ['WEBHOOK'], webhookUrl: `http://${loopbackName}:${receiver.url.split(':')[2]}`, mode: 'IMMEDIATE' } });
    expect(created.errors).toBeUndefined();
    const subscriptionId = created.data.createAlertSubscription.subscription.id;
    await hub.gql(county.token, FILE, { input: { title: 'Probe', summary: 's', category: 'MALWARE', severity: 'HIGH', tlp: 'GREEN' } });
    const delivery = await until(async () => {
      const d = await hub.db.selectFrom('alert_deliveries').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst();
      return d && d.status !== 'PENDING' ? d : null;
    }, 10_000);
    expect(delivery).toMatchObject({ status: 'FAILED', status_reason: REFUSED_NOT_PUBLIC });
    const attempts = await hub.db.selectFrom('alert_delivery_attempts').selectAll().where('delivery_id', '=', delivery.id).execute();
    expect(attempts.map((a) => [a.outcome, a.http_status, a.error])).toEqual([['REFUSED', null, REFUSED_NOT_PUBLIC]]);
    expect(receiver.requests).toHaveLength(0);
  });

  it('a page to a webhook contact method on such a name, at a closed port, records the refusal, not ECONNREFUSED', async () => {
    const sys = systemPrincipal('test');
    const oncall = hub.deps.services.oncall;
    await oncall.setSchedule(sys, { organization: 'sos', duty: 'security-duty', participants: [duty.email], shiftLengthHours: 24, handoffTime: '09:00' });
    await oncall.addContactMethod(sys, { email: duty.email, kind: 'WEBHOOK', target: `http://${loopbackName}:1/hook` });
    const rule = await hub.gql(coordinator.token, `mutation($input: RoutingRuleInput!) { createRoutingRule(input: $input) { name } }`, {
      input: { name: 'ssrf-probe', severityAtLeast: 'CRITICAL', levels: [{ ackTimeoutSeconds: 600, targets: [{ kind: 'DUTY', organization: 'sos', duty: 'security-duty' }] }] },
    });
    expect(rule.errors).toBeUndefined();
    const inc = (await hub.gql(county.token, FILE, { input: { title: 'Port scan', summary: 's', category: 'MALWARE', severity: 'CRITICAL', tlp: 'GREEN' } })).data.fileIncident;
    const view = await until(async () => {
      const r = await hub.gql(coordinator.token, `query($id: ID!) { incident(id: $id) { escalations { notifications { recipient { email } channel status attempts { outcome httpStatus } } } } }`, { id: inc.id });
      const n = r.data?.incident.escalations[0]?.notifications.find((x: any) => x.recipient.email === duty.email);
      return n && n.status !== 'PENDING' ? n : null;
    }, 10_000);
    expect(view).toMatchObject({ channel: 'WEBHOOK', status: 'FAILED', attempts: [{ outcome: 'REFUSED', httpStatus: null }] });
    const errors = await hub.db.selectFrom('delivery_attempts').select('error').execute();
    expect(errors.map((e) => e.error)).toContain(REFUSED_NOT_PUBLIC);
    expect(errors.map((e) => e.error).join(' ')).not.toMatch(/ECONN|EHOST|ENET|:1\b/);
  });
});

describe('what the audit log keeps of an alert subscription’s webhook', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.close());

  it('the origin only, like contact methods: the path and query (which carry tokens) stay out', async () => {
    const user = await makeUser(hub.deps, 'cisa', ['ANALYST']);
    const res = await hub.gql(user.token, `mutation($input: CreateAlertSubscriptionInput!) { createAlertSubscription(input: $input) { subscription { id webhookUrl } } }`, {
      input: { name: 'SIEM', channels: ['WEBHOOK'], webhookUrl: 'https://siem.cisa.example:8443/services/T000/B000/SECRETTOKEN?token=SECRET2', mode: 'IMMEDIATE' },
    });
    expect(res.errors).toBeUndefined();
    const id = res.data.createAlertSubscription.subscription.id;
    const entries = await hub.db.selectFrom('audit_log').select(['action', 'change']).where('object_id', '=', id).execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.change).toMatchObject({ webhookUrl: 'https://siem.cisa.example:8443/…' });
    expect(JSON.stringify(entries[0]!.change)).not.toMatch(/SECRET|services/);
  });
});
