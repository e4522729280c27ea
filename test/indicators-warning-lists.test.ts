import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { normalize, type IndicatorType } from '../src/modules/indicators/normalize.js';
import { createWarningLists, GOVERNMENT_DOMAINS } from '../src/modules/indicators/warning-lists.js';

const defaults = loadConfig({ NODE_ENV: 'test' }).benignDomains;
const lists = createWarningLists(defaults);

/** Judges a raw value the way the import does: normalized first. */
function judge(raw: string): string | null {
  const n = normalize(null, raw);
  if (!n.ok) throw new Error(n.reason);
  return lists.isBenign(n.type, n.value);
}

describe('IPv4 ranges', () => {
  it.each([
    ['10.1.2.3', /private-use.*10\.0\.0\.0\/8.*1918/],
    ['172.16.0.1', /private-use.*172\.16/],
    ['172.31.255.255', /private-use.*172\.16/],
    ['192.168.1.1', /private-use.*192\.168/],
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['169.254.169.254', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['192.0.2.55', /documentation.*192\.0\.2/],
    ['198.51.100.7', /documentation.*198\.51\.100/],
    ['203.0.113.200', /documentation.*203\.0\.113/],
    ['0.0.0.0', /unspecified/],
    ['224.0.0.251', /multicast/],
    ['239.255.255.250', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['198.18.0.1', /benchmarking/],
  ])('%s is benign: %s', (ip, reason) => {
    expect(judge(ip)).toMatch(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '100.63.255.255', '192.0.3.1', '198.51.101.1', '11.0.0.1', '223.255.255.255'])(
    '%s is not benign',
    (ip) => {
      expect(judge(ip)).toBeNull();
    },
  );
});

describe('IPv6 ranges', () => {
  it.each([
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fc00::1', /unique local/],
    ['fd12:3456:789a::1', /unique local/],
    ['fe80::1', /link-local/],
    ['febf::1', /link-local/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /documentation.*2001:db8/],
    ['2001:db8:ffff:ffff::1', /documentation/],
    ['3fff::1', /documentation.*3fff/],
    // IPv4-mapped and NAT64 addresses are judged by their IPv4 address.
    ['::ffff:10.0.0.1', /private-use/],
    ['::ffff:127.0.0.1', /loopback/],
    ['64:ff9b::192.168.0.1', /private-use/],
  ])('%s is benign: %s', (ip, reason) => {
    expect(judge(ip)).toMatch(reason);
  });

  it.each(['2001:4860:4860::8888', '2606:4700:4700::1111', 'fec0::1', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2001:db9::1'])('%s is not benign', (ip) => {
    expect(judge(ip)).toBeNull();
  });
});

describe('CIDR overlap', () => {
  it.each([
    ['10.0.0.0/8', /private-use/], // equal
    ['10.20.0.0/16', /private-use/], // inside
    ['8.0.0.0/6', /private-use/], // contains 10/8 (8.0.0.0–11.255.255.255)
    ['0.0.0.0/0', /./], // contains everything
    ['100.64.0.0/16', /carrier-grade/],
    ['192.0.2.128/25', /documentation/],
    ['fc00::/8', /unique local/],
    ['fe80::/64', /link-local/],
    ['2001:db8:1::/48', /documentation/],
    ['2000::/3', /documentation/], // contains 2001:db8::/32
    ['::/0', /./],
    ['::ffff:10.0.0.0/104', /private-use/],
  ])('%s overlaps a listed range', (cidr, reason) => {
    expect(judge(cidr)).toMatch(reason);
  });

  it.each(['8.8.8.0/24', '12.0.0.0/8', '172.32.0.0/11', '2001:4860::/32', '2600::/12'])('%s does not', (cidr) => {
    expect(judge(cidr)).toBeNull();
  });
});

describe('domains', () => {
  it.each([
    ['ca.gov', /government domain ca\.gov/],
    ['sos.ca.gov', /government domain ca\.gov/],
    ['www.sos.ca.gov', /government domain ca\.gov/],
    ['lavote.gov', /lavote\.gov/],
    ['www.lavote.gov', /lavote\.gov/],
    ['ocvote.gov', /ocvote\.gov/],
    ['elections.saccounty.gov', /saccounty\.gov/],
    ['cisa.gov', /government/],
    ['google.com', /well-known benign domain google\.com/],
    ['mail.google.com', /google\.com/],
    ['login.microsoftonline.microsoft.com', /microsoft\.com/],
    ['example.com', /documentation/],
    ['evil.example.net', /documentation/],
    ['printer.local', /multicast DNS/],
    ['router.home.arpa', /home network/],
    ['foo.test', /special-use/],
  ])('%s is benign: %s', (domain, reason) => {
    expect(judge(domain)).toMatch(reason);
  });

  it.each([
    'ca.gov.evil.com', // the listed name as a subdomain of another
    'evilca.gov', // a suffix that is not a label boundary
    'sos-ca.gov',
    'lavote.gov.ru',
    'google.com.evil.net',
    'notgoogle.com',
    'gov',
    'evil.com',
  ].filter((d) => d.includes('.')))('%s is not benign', (domain) => {
    expect(judge(domain)).toBeNull();
  });

  it('lists only well-formed, lower-case names', () => {
    for (const d of GOVERNMENT_DOMAINS) expect(normalize('DOMAIN', d)).toEqual({ ok: true, type: 'DOMAIN', value: d });
  });
});

describe('URLs and e-mail addresses are judged by their host and domain', () => {
  it.each([
    ['https://www.sos.ca.gov/elections/', /ca\.gov/],
    ['http://10.0.0.5/admin', /private-use/],
    ['http://[::1]:8080/', /loopback/],
    ['http://[fe80::1]/', /link-local/],
    ['http://user:pw@192.168.0.1:8080/x', /private-use/],
    ['https://lavote.gov/vrstatus?x=1', /lavote/],
    ['http://localhost/', /localhost/],
    // The bare site of a third-party platform…
    ['https://www.google.com/', /google\.com/],
    ['https://docs.google.com', /google\.com/],
    ['registrar@sos.ca.gov', /ca\.gov/],
    ['someone@lavote.gov', /lavote/],
    ['someone@microsoft.com', /microsoft\.com/],
  ])('%s is benign: %s', (value, reason) => {
    expect(judge(value)).toMatch(reason);
  });

  it.each([
    // …but a page on it may be user content (a Google Form used for phishing): it stays correlatable.
    'https://docs.google.com/forms/d/e/1FAIpQLSd/viewform',
    'https://sites.google.com/view/county-ballot-help',
    'https://www.google.com/url?q=https://evil.com',
    'https://ca.gov.evil.com/login',
    'http://8.8.8.8/x',
    'someone@evil.com',
    'someone@ca.gov.evil.com',
  ])('%s is not benign', (value) => {
    expect(judge(value)).toBeNull();
  });
});

describe('types that are never on a list', () => {
  it.each<[IndicatorType, string]>([
    ['MD5', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['SHA256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['PHONE', '+19165550100'],
    ['SOCIAL_ACCOUNT', 'x:google'],
  ])('%s', (type, value) => {
    expect(lists.isBenign(type, value)).toBeNull();
  });
});

describe('ESTF_BENIGN_DOMAINS', () => {
  it('defaults to a short list of well-known platforms', () => {
    expect(defaults).toEqual(['google.com', 'microsoft.com', 'apple.com', 'cloudflare.com', 'amazon.com']);
  });

  it('replaces the well-known list; the government and special-use lists stay', () => {
    const config = loadConfig({ NODE_ENV: 'test', ESTF_BENIGN_DOMAINS: 'Partner.Example.org,trusted.net' });
    expect(config.benignDomains).toEqual(['partner.example.org', 'trusted.net']);
    const custom = createWarningLists(config.benignDomains);
    expect(custom.isBenign('DOMAIN', 'www.trusted.net')).toMatch(/well-known benign domain trusted\.net/);
    expect(custom.isBenign('DOMAIN', 'google.com')).toBeNull();
    expect(custom.isBenign('DOMAIN', 'sos.ca.gov')).toMatch(/government/);
    expect(custom.isBenign('DOMAIN', 'example.com')).toMatch(/documentation/);
  });

  it('is validated at start', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', ESTF_BENIGN_DOMAINS: 'ok.com, not ok' })).toThrow(/ESTF_BENIGN_DOMAINS/);
  });
});
