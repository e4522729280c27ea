import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

/**
 * Proxy and mail logs name a bad domain inside URLs, as a subdomain, as the domain of an e-mail address,
 * and addresses with a port. Matching was exact only (apart from an address in a network), so none of
 * these shapes matched, and `45.33.17.9:443` was refused as not an indicator.
 */

const REPORT = `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { ok error indicator { value } } }`;
const MATCH = `query($v: [String!]!) { matchObservables(values: $v) { matches { index type value via indicator { value } } invalid { index reason } } }`;

describe('matchObservables by host, registrable domain, e-mail domain and address with port', () => {
  let hub: TestHub;
  let orange: TestUser, marin: TestUser;

  beforeAll(async () => {
    hub = await startTestHub({}, {});
    [orange, marin] = await Promise.all([makeUser(hub.deps, 'county-orange', ['ANALYST']), makeUser(hub.deps, 'county-marin', ['ANALYST'])]);
    const reported = await hub.gql(orange.token, REPORT, {
      input: ['evil-ballots.com', 'phish.co.uk', 'co.uk', 'fake-sos.github.io', '45.33.17.9', '104.21.0.0/16', '2a01:4f8:1:2::5'].map((value) => ({ value, tlp: 'GREEN' })),
    });
    expect(reported.errors).toBeUndefined();
    expect(reported.data.reportIndicators.every((r: any) => r.ok)).toBe(true);
  });
  afterAll(async () => {
    await hub?.close();
  });

  const cases: Array<[string, { type: string; value: string; via: string; indicator: string }]> = [
    ['evil-ballots.com', { type: 'DOMAIN', value: 'evil-ballots.com', via: 'EXACT', indicator: 'evil-ballots.com' }],
    ['https://evil-ballots.com/login?next=/ballot', { type: 'URL', value: 'https://evil-ballots.com/login?next=/ballot', via: 'URL_HOST', indicator: 'evil-ballots.com' }],
    ['hxxp://evil-ballots[.]com:8080/x', { type: 'URL', value: 'http://evil-ballots.com:8080/x', via: 'URL_HOST', indicator: 'evil-ballots.com' }],
    ['https://login.secure.evil-ballots.com/', { type: 'URL', value: 'https://login.secure.evil-ballots.com/', via: 'SUBDOMAIN', indicator: 'evil-ballots.com' }],
    ['Mail.Evil-Ballots.com', { type: 'DOMAIN', value: 'mail.evil-ballots.com', via: 'SUBDOMAIN', indicator: 'evil-ballots.com' }],
    ['registrar@evil-ballots.com', { type: 'EMAIL', value: 'registrar@evil-ballots.com', via: 'EMAIL_DOMAIN', indicator: 'evil-ballots.com' }],
    ['noreply@mx1.evil-ballots.com', { type: 'EMAIL', value: 'noreply@mx1.evil-ballots.com', via: 'EMAIL_DOMAIN', indicator: 'evil-ballots.com' }],
    ['shop.phish.co.uk', { type: 'DOMAIN', value: 'shop.phish.co.uk', via: 'SUBDOMAIN', indicator: 'phish.co.uk' }],
    ['www.fake-sos.github.io', { type: 'DOMAIN', value: 'www.fake-sos.github.io', via: 'SUBDOMAIN', indicator: 'fake-sos.github.io' }],
    ['45.33.17.9:443', { type: 'IPV4', value: '45.33.17.9', via: 'HOST_PORT', indicator: '45.33.17.9' }],
    ['45.33.17.9', { type: 'IPV4', value: '45.33.17.9', via: 'EXACT', indicator: '45.33.17.9' }],
    ['[2a01:4f8:1:2:0:0:0:5]:8443', { type: 'IPV6', value: '2a01:4f8:1:2::5', via: 'HOST_PORT', indicator: '2a01:4f8:1:2::5' }],
    ['104.21.7.7:443', { type: 'IPV4', value: '104.21.7.7', via: 'CIDR', indicator: '104.21.0.0/16' }],
    ['http://45.33.17.9:8080/payload', { type: 'URL', value: 'http://45.33.17.9:8080/payload', via: 'URL_HOST', indicator: '45.33.17.9' }],
    ['evil-ballots.com:443', { type: 'DOMAIN', value: 'evil-ballots.com', via: 'HOST_PORT', indicator: 'evil-ballots.com' }],
  ];

  it.each(cases)('%s matches, saying which rule', async (input, want) => {
    const res = await hub.gql(marin.token, MATCH, { v: [input] });
    expect(res.errors).toBeUndefined();
    expect(res.data.matchObservables.invalid).toEqual([]);
    expect(res.data.matchObservables.matches).toEqual([{ index: 0, type: want.type, value: want.value, via: want.via, indicator: { value: want.indicator } }]);
  });

  it('does not match look-alikes, a path or query naming the domain, or a public suffix reported as a domain', async () => {
    const misses = [
      'notevil-ballots.com',
      'evil-ballots.com.attacker.net',
      'https://example.net/?u=evil-ballots.com',
      'https://example.net/evil-ballots.com/',
      'someone@evil-ballots.com.attacker.net',
      // co.uk was reported, but it is a public suffix: every other .co.uk domain is someone else's.
      'other.co.uk',
      'github.io',
      '45.33.17.10:443',
    ];
    const res = await hub.gql(marin.token, MATCH, { v: misses });
    expect(res.errors).toBeUndefined();
    expect(res.data.matchObservables.matches).toEqual([]);
    expect(res.data.matchObservables.invalid).toEqual([]);
  });

  it('still refuses values that are no indicator, and a port out of range', async () => {
    const res = await hub.gql(marin.token, MATCH, { v: ['45.33.17.9:99999', 'not an indicator', '45.33.17.9:'] });
    expect(res.data.matchObservables.matches).toEqual([]);
    expect(res.data.matchObservables.invalid.map((x: any) => x.index)).toEqual([0, 1, 2]);
  });
});
