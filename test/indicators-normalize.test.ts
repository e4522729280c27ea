import { describe, expect, it } from 'vitest';
import {
  detectType,
  formatIPv6,
  INDICATOR_TYPES,
  MAX_VALUE_LENGTH,
  normalize,
  parseIndicatorType,
  parseIPv6,
  refang,
  type IndicatorType,
} from '../src/modules/indicators/normalize.js';

type Ok = [input: string, type: IndicatorType, canonical: string];

function expectOk(type: IndicatorType | null, input: string, wantType: IndicatorType, want: string): void {
  expect(normalize(type, input), `${type ?? 'detect'} ${JSON.stringify(input)}`).toEqual({ ok: true, type: wantType, value: want });
}

function expectInvalid(type: IndicatorType | null, input: string, reason: RegExp): void {
  const r = normalize(type, input);
  expect(r.ok, `${type ?? 'detect'} ${JSON.stringify(input)} should be invalid`).toBe(false);
  if (!r.ok) {
    expect(r.reason).toMatch(reason);
    // The reason names the value (truncated when long), so a partner can find it in their file.
    if (input.trim().length > 0 && input.length <= 80) expect(r.reason).toContain(JSON.stringify(input).slice(1, -1));
  }
}

describe('refang', () => {
  it.each([
    ['hxxp://evil.com', 'http://evil.com'],
    ['hxxps://evil.com', 'https://evil.com'],
    ['HXXPS://evil.com', 'https://evil.com'],
    ['hXXp://evil.com', 'http://evil.com'],
    ['evil[.]com', 'evil.com'],
    ['evil(.)com', 'evil.com'],
    ['evil{.}com', 'evil.com'],
    ['evil[dot]com', 'evil.com'],
    ['evil[DOT]com', 'evil.com'],
    ['evil(dot)com', 'evil.com'],
    ['user[@]evil.com', 'user@evil.com'],
    ['user[at]evil.com', 'user@evil.com'],
    ['user(at)evil.com', 'user@evil.com'],
    ['http[:]//evil.com', 'http://evil.com'],
    ['hxxp[:]//evil[.]com', 'http://evil.com'],
    ['hxxp[://]evil.com', 'http://evil.com'],
    ['1[.]2[.]3[.]4', '1.2.3.4'],
    ['plain.example.com', 'plain.example.com'],
  ])('%s → %s', (input, want) => {
    expect(refang(input)).toBe(want);
  });
});

describe('detectType', () => {
  it.each<[string, IndicatorType | null]>([
    ['1.2.3.4', 'IPV4'],
    ['999.1.1.1', 'IPV4'],
    ['010.1.1.1', 'IPV4'],
    ['1[.]2[.]3[.]4', 'IPV4'],
    ['2001:db8::1', 'IPV6'],
    ['::1', 'IPV6'],
    ['::', 'IPV6'],
    ['::ffff:1.2.3.4', 'IPV6'],
    ['[2001:db8::1]', 'IPV6'],
    ['fb::1', 'IPV6'],
    ['10.0.0.0/8', 'CIDR'],
    ['2001:db8::/32', 'CIDR'],
    ['example.com', 'DOMAIN'],
    ['example.com.', 'DOMAIN'],
    ['EXAMPLE[.]COM', 'DOMAIN'],
    ['bücher.de', 'DOMAIN'],
    ['http://example.com/', 'URL'],
    ['hxxps://example[.]com/x', 'URL'],
    ['example.com/login.php', 'URL'],
    ['1.2.3.4/admin', 'URL'],
    ['ftp://files.example.com', 'URL'],
    ['user@example.com', 'EMAIL'],
    ['user[@]example[.]com', 'EMAIL'],
    ['mailto:user@example.com', 'EMAIL'],
    ['d41d8cd98f00b204e9800998ecf8427e', 'MD5'],
    ['DA39A3EE5E6B4B0D3255BFEF95601890AFD80709', 'SHA1'],
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'SHA256'],
    ['+1 916 555 0100', 'PHONE'],
    ['+19165550100', 'PHONE'],
    ['tel:+19165550100', 'PHONE'],
    ['x:@someone', 'SOCIAL_ACCOUNT'],
    ['twitter:someone', 'SOCIAL_ACCOUNT'],
    ['Telegram:@channel', 'SOCIAL_ACCOUNT'],
    ['hello', null],
    ['', null],
    ['   ', null],
    ['javascript:alert(1)', null],
    ['unknownplatform:handle', null],
    ['9165550100', null],
    ['d41d8cd98f00b204e9800998ecf8427', null], // 31 hex digits: no hash has that length
    ['+evil', null],
  ])('%j → %s', (input, want) => {
    expect(detectType(input)).toBe(want);
  });
});

describe('IPv4', () => {
  it.each<Ok>([
    ['1.2.3.4', 'IPV4', '1.2.3.4'],
    ['0.0.0.0', 'IPV4', '0.0.0.0'],
    ['255.255.255.255', 'IPV4', '255.255.255.255'],
    ['  8.8.8.8  ', 'IPV4', '8.8.8.8'],
    ['8[.]8[.]8[.]8', 'IPV4', '8.8.8.8'],
    ['100.64.0.1', 'IPV4', '100.64.0.1'],
  ])('%j → %s %s', (input, type, want) => {
    expectOk(null, input, type, want);
    expectOk('IPV4', input, type, want);
  });

  it('refuses leading zeros: "010" is octal 8 to WHATWG and inet_aton, decimal 10 to PostgreSQL', () => {
    expectInvalid(null, '010.1.1.1', /leading zero/);
    expectInvalid('IPV4', '1.2.3.04', /leading zero/);
    expectInvalid('IPV4', '00.1.1.1', /leading zero/);
    expectInvalid('IPV4', '1.2.3.0001', /leading zero/);
  });

  it.each([
    ['256.1.1.1', /greater than 255/],
    ['1.2.3.999', /greater than 255/],
    ['1.2.3.1000', /greater than 255/],
    ['1.2.3', /four decimal numbers|top-level/],
    ['1.2.3.4.5', /four decimal numbers/],
    ['1..3.4', /four decimal numbers/],
    ['1.2.3.-4', /four decimal numbers/],
    ['0x7f.0.0.1', /four decimal numbers/],
    ['1.2.3.4.', /four decimal numbers/],
  ])('%j is invalid as IPV4', (input, reason) => {
    expectInvalid('IPV4', input, reason);
  });

  it('says when the value is of another family', () => {
    expectInvalid('IPV4', '2001:db8::1', /IPv6/);
    expectInvalid('IPV4', '10.0.0.0/8', /network.*CIDR/);
  });
});

describe('IPv6 (RFC 5952)', () => {
  it.each<Ok>([
    ['2001:DB8:0:0:0:0:0:1', 'IPV6', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 'IPV6', '2001:db8::1'],
    ['2001:db8::1', 'IPV6', '2001:db8::1'],
    // The longest run of zeros is compressed…
    ['2001:0:0:1:0:0:0:1', 'IPV6', '2001:0:0:1::1'],
    // …the first one on a tie…
    ['2001:db8:0:0:1:0:0:1', 'IPV6', '2001:db8::1:0:0:1'],
    // …and a single zero group never.
    ['2001:db8:0:1:1:1:1:1', 'IPV6', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8::1:1:1:1:1', 'IPV6', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8::0:1:1:1:1:1', 'IPV6', 'invalid'],
    ['0:0:0:0:0:0:0:1', 'IPV6', '::1'],
    ['0:0:0:0:0:0:0:0', 'IPV6', '::'],
    ['::', 'IPV6', '::'],
    ['1::', 'IPV6', '1::'],
    ['fe80:0:0:0:0:0:0:0', 'IPV6', 'fe80::'],
    ['1:0:0:0:0:0:0:0', 'IPV6', '1::'],
    ['0:0:0:0:0:0:0:1:', 'IPV6', 'invalid'],
    ['::FFFF:1.2.3.4', 'IPV6', '::ffff:1.2.3.4'],
    ['::ffff:0102:0304', 'IPV6', '::ffff:1.2.3.4'],
    ['0:0:0:0:0:ffff:c000:0201', 'IPV6', '::ffff:192.0.2.1'],
    // Only IPv4-mapped addresses keep a dotted tail; other embedded forms print as hex.
    ['::1.2.3.4', 'IPV6', '::102:304'],
    ['64:ff9b::192.0.2.33', 'IPV6', '64:ff9b::c000:221'],
    ['[2001:db8::1]', 'IPV6', '2001:db8::1'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', 'IPV6', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
    ['2001:db8:aaaa:bbbb:cccc:dddd::', 'IPV6', '2001:db8:aaaa:bbbb:cccc:dddd::'],
    ['::2:3:4:5:6:7:8', 'IPV6', '0:2:3:4:5:6:7:8'],
  ].filter(([, , want]) => want !== 'invalid') as Ok[])('%j → %s %s', (input, type, want) => {
    expectOk(null, input, type, want);
    expectOk('IPV6', input, type, want);
  });

  it.each([
    '2001:db8::1::1',
    '2001:db8:::1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4::5:6:7:8',
    '12345::1',
    'g::1',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '::ffff:1.2.3.256',
    '::ffff:01.2.3.4',
    '1.2.3.4::',
    '::1.2.3.4:5',
  ])('%j is invalid', (input) => {
    expectInvalid('IPV6', input, /not a valid/);
  });

  it('refuses zone identifiers', () => {
    expectInvalid('IPV6', 'fe80::1%eth0', /zone/);
  });

  it('round-trips every compression position', () => {
    for (let mask = 0; mask < 256; mask++) {
      const words = Array.from({ length: 8 }, (_, i) => ((mask >> i) & 1 ? 0 : i + 1));
      const text = formatIPv6(words);
      expect(parseIPv6(text), text).toEqual(words);
      expect(normalize('IPV6', words.map((w) => w.toString(16)).join(':'))).toMatchObject({ ok: true, value: text });
    }
  });
});

describe('CIDR', () => {
  it.each<Ok>([
    ['10.0.0.0/8', 'CIDR', '10.0.0.0/8'],
    ['10.1.2.3/8', 'CIDR', '10.0.0.0/8'],
    ['192.168.1.77/24', 'CIDR', '192.168.1.0/24'],
    ['192.168.1.77/31', 'CIDR', '192.168.1.76/31'],
    ['1.2.3.4/0', 'CIDR', '0.0.0.0/0'],
    ['255.255.255.255/1', 'CIDR', '128.0.0.0/1'],
    ['2001:db8::/32', 'CIDR', '2001:db8::/32'],
    ['2001:DB8:1234:5678::1/33', 'CIDR', '2001:db8::/33'],
    ['2001:db8:ffff::/47', 'CIDR', '2001:db8:fffe::/47'],
    ['fe80::1/10', 'CIDR', 'fe80::/10'],
    ['::/0', 'CIDR', '::/0'],
    // A host-length prefix is the address itself: one indicator per value.
    ['1.2.3.4/32', 'IPV4', '1.2.3.4'],
    ['2001:db8::1/128', 'IPV6', '2001:db8::1'],
    ['10[.]0[.]0[.]0/8', 'CIDR', '10.0.0.0/8'],
  ])('%j → %s %s', (input, type, want) => {
    expectOk(null, input, type, want);
    expectOk('CIDR', input, type, want);
  });

  it('treats a bare address given as CIDR as the address', () => {
    expectOk('CIDR', '1.2.3.4', 'IPV4', '1.2.3.4');
    expectOk('CIDR', '2001:db8::1', 'IPV6', '2001:db8::1');
  });

  it.each([
    ['10.0.0.0/33', /0-32/],
    ['2001:db8::/129', /0-128/],
    ['10.0.0.0/x', /prefix length/],
    ['10.0.0.0/', /prefix length/],
    ['010.0.0.0/8', /leading zero/],
    ['2001:db8::1::/64', /not a valid/],
  ])('%j is invalid', (input, reason) => {
    expectInvalid('CIDR', input, reason);
  });

  it('says IPV6 when given a network', () => {
    expectInvalid('IPV6', '2001:db8::/32', /network/);
  });
});

describe('DOMAIN', () => {
  it.each<Ok>([
    ['example.com', 'DOMAIN', 'example.com'],
    ['EXAMPLE.COM', 'DOMAIN', 'example.com'],
    ['Example.Com.', 'DOMAIN', 'example.com'],
    ['evil[.]example[.]com', 'DOMAIN', 'evil.example.com'],
    ['EVIL(.)EXAMPLE(.)COM.', 'DOMAIN', 'evil.example.com'],
    ['evil[dot]example[dot]com', 'DOMAIN', 'evil.example.com'],
    ['bücher.de', 'DOMAIN', 'xn--bcher-kva.de'],
    ['BÜCHER.DE', 'DOMAIN', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'DOMAIN', 'xn--bcher-kva.de'],
    ['XN--BCHER-KVA.DE', 'DOMAIN', 'xn--bcher-kva.de'],
    ['пример.рф', 'DOMAIN', 'xn--e1afmkfd.xn--p1ai'],
    ['例え.テスト', 'DOMAIN', 'xn--r8jz45g.xn--zckzah'],
    // Full-width dots are label separators under UTS #46.
    ['example。com', 'DOMAIN', 'example.com'],
    ['a-b.example.com', 'DOMAIN', 'a-b.example.com'],
    ['_dmarc.example.com', 'DOMAIN', '_dmarc.example.com'],
    ['my_host.example.com', 'DOMAIN', 'my_host.example.com'],
    ['123.example.com', 'DOMAIN', '123.example.com'],
    ['www.ca.gov', 'DOMAIN', 'www.ca.gov'],
    [`${'a'.repeat(63)}.com`, 'DOMAIN', `${'a'.repeat(63)}.com`],
  ])('%j → %s %s', (input, type, want) => {
    expectOk('DOMAIN', input, type, want);
    if (!input.includes('。')) expectOk(null, input, type, want);
  });

  it.each([
    ['localhost', /single label/],
    ['example..com', /empty label/],
    ['.example.com', /empty label/],
    ['-example.com', /hyphen/],
    ['example-.com', /hyphen/],
    [`${'a'.repeat(64)}.com`, /63/],
    [`${'abcdefghi.'.repeat(26)}com`, /253/],
    ['example.123', /top-level/],
    ['example.c', /top-level/],
    ['example.c0m', /top-level/],
    ['exa mple.com', /characters/],
    ['exa$mple.com', /characters/],
    ['xn--zz.com', /internationalized/],
    ['http://example.com', /bare name/],
    ['example.com:8080', /bare name/],
    ['example.com/path', /bare name/],
    ['user@example.com', /bare name/],
    ['', /empty/],
  ])('%j is invalid', (input, reason) => {
    expectInvalid('DOMAIN', input, reason);
  });
});

describe('URL (WHATWG)', () => {
  it.each<Ok>([
    ['http://example.com', 'URL', 'http://example.com/'],
    ['HTTP://EXAMPLE.COM/Path', 'URL', 'http://example.com/Path'],
    ['https://example.com:443/a', 'URL', 'https://example.com/a'],
    ['http://example.com:80/a', 'URL', 'http://example.com/a'],
    ['http://example.com:8080/a', 'URL', 'http://example.com:8080/a'],
    ['example.com:8080/a', 'URL', 'http://example.com:8080/a'],
    ['https://example.com:80/a', 'URL', 'https://example.com:80/a'],
    ['https://example.com/a#fragment', 'URL', 'https://example.com/a'],
    ['https://example.com/a?q=1#frag', 'URL', 'https://example.com/a?q=1'],
    ['https://example.com./login', 'URL', 'https://example.com/login'],
    ['hxxp://evil[.]com/x', 'URL', 'http://evil.com/x'],
    ['hxxps://Evil[.]Example.COM:443/login#top', 'URL', 'https://evil.example.com/login'],
    ['hxxp[:]//evil(.)com', 'URL', 'http://evil.com/'],
    ['example.com/login.php', 'URL', 'http://example.com/login.php'],
    ['https://bücher.de/ä?q=ü', 'URL', 'https://xn--bcher-kva.de/%C3%A4?q=%C3%BC'],
    ['https://example.com/a/../b/./c', 'URL', 'https://example.com/b/c'],
    ['https://user:pw@example.com/', 'URL', 'https://user:pw@example.com/'],
    ['http://[2001:DB8::1]:8080/', 'URL', 'http://[2001:db8::1]:8080/'],
    ['http://1.2.3.4/x', 'URL', 'http://1.2.3.4/x'],
    ['1.2.3.4/x', 'URL', 'http://1.2.3.4/x'],
    ['ftp://files.example.com:21/f', 'URL', 'ftp://files.example.com/f'],
    ['wss://example.com:443/socket', 'URL', 'wss://example.com/socket'],
  ])('%j → %s %s', (input, type, want) => {
    expectOk(null, input, type, want);
    expectOk('URL', input, type, want);
  });

  it('reads hosts as browsers do (WHATWG): a leading-zero IPv4 host is octal', () => {
    expectOk('URL', 'http://010.1.1.1/', 'URL', 'http://8.1.1.1/');
  });

  it.each([
    ['javascript:alert(1)', /scheme javascript/],
    ['about:blank', /scheme about/],
    ['mailto:a@example.com', /scheme/],
    ['data://x', /scheme/],
    ['file:///etc/passwd', /scheme|host/],
    ['http://exa mple.com/', /cannot be parsed/],
    ['http://', /cannot be parsed/],
    [`http://example.com/${'a'.repeat(MAX_VALUE_LENGTH)}`, new RegExp(`${MAX_VALUE_LENGTH}`)],
  ])('%j is invalid', (input, reason) => {
    expectInvalid('URL', input, reason);
  });
});

describe('EMAIL', () => {
  it.each<Ok>([
    ['user@example.com', 'EMAIL', 'user@example.com'],
    ['User@Example.COM', 'EMAIL', 'User@example.com'],
    ['user@example.com.', 'EMAIL', 'user@example.com'],
    ['user[@]example[.]com', 'EMAIL', 'user@example.com'],
    ['user[at]example[dot]com', 'EMAIL', 'user@example.com'],
    ['first.last+tag@sub.example.com', 'EMAIL', 'first.last+tag@sub.example.com'],
    ['user@bücher.de', 'EMAIL', 'user@xn--bcher-kva.de'],
    ['mailto:user@example.com', 'EMAIL', 'user@example.com'],
    ["o'brien@example.com", 'EMAIL', "o'brien@example.com"],
  ])('%j → %s %s', (input, type, want) => {
    expectOk(null, input, type, want);
    expectOk('EMAIL', input, type, want);
  });

  it.each([
    ['@example.com', /local-part@domain/],
    ['user@', /local-part@domain/],
    ['userexample.com', /local-part@domain/],
    ['us er@example.com', /before @/],
    ['.user@example.com', /before @/],
    ['user..name@example.com', /before @/],
    ['"quoted"@example.com', /before @/],
    [`${'a'.repeat(65)}@example.com`, /64/],
    ['user@localhost', /domain.*single label/],
    ['user@example..com', /domain/],
  ])('%j is invalid', (input, reason) => {
    expectInvalid('EMAIL', input, reason);
  });
});

describe('hashes', () => {
  const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
  const sha1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
  const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  it.each<Ok>([
    [md5, 'MD5', md5],
    [md5.toUpperCase(), 'MD5', md5],
    [` ${md5} `, 'MD5', md5],
    [sha1, 'SHA1', sha1],
    [sha1.toUpperCase(), 'SHA1', sha1],
    [sha256, 'SHA256', sha256],
    [sha256.toUpperCase(), 'SHA256', sha256],
  ])('%j → %s %s', (input, type, want) => {
    expectOk(null, input, type, want);
    expectOk(type, input, type, want);
  });

  it('requires the exact length of the given type', () => {
    expectInvalid('MD5', sha1, /32 hex digits, got 40/);
    expectInvalid('SHA1', md5, /40 hex digits, got 32/);
    expectInvalid('SHA256', `${sha256}0`, /64 hex digits, got 65/);
    expectInvalid('SHA256', sha256.slice(1), /64 hex digits, got 63/);
  });

  it('requires hex digits', () => {
    expectInvalid('MD5', 'g41d8cd98f00b204e9800998ecf8427e', /hexadecimal/);
    expectInvalid('SHA1', 'da39a3ee-5e6b4b0d3255bfef95601890afd8070', /hexadecimal/);
  });
});

describe('PHONE (E.164)', () => {
  it.each<Ok>([
    ['+19165550100', 'PHONE', '+19165550100'],
    ['+1 916 555 0100', 'PHONE', '+19165550100'],
    ['+1 (916) 555-0100', 'PHONE', '+19165550100'],
    ['+1.916.555.0100', 'PHONE', '+19165550100'],
    ['+1-916-555-0100', 'PHONE', '+19165550100'],
    ['+44 20 7946 0958', 'PHONE', '+442079460958'],
    ['tel:+1-916-555-0100', 'PHONE', '+19165550100'],
    ['+49 30/1234567', 'PHONE', '+49301234567'],
  ])('%j → %s %s', (input, type, want) => {
    expectOk(null, input, type, want);
    expectOk('PHONE', input, type, want);
  });

  it('reads the international prefix 00 as +', () => {
    expectOk('PHONE', '0019165550100', 'PHONE', '+19165550100');
    expectOk('PHONE', '00 44 20 7946 0958', 'PHONE', '+442079460958');
  });

  it.each([
    ['9165550100', /country code/],
    ['(916) 555-0100', /country code/],
    ['+1234567', /8 to 15 digits, got 7/],
    ['+1234567890123456', /8 to 15 digits, got 16/],
    ['+0123456789', /never starts with 0/],
    ['+1 916 555 0100 x12', /only digits/],
    ['+1-916-CALL-NOW', /only digits/],
  ])('%j is invalid', (input, reason) => {
    expectInvalid('PHONE', input, reason);
  });
});

describe('SOCIAL_ACCOUNT', () => {
  it.each<Ok>([
    ['x:someone', 'SOCIAL_ACCOUNT', 'x:someone'],
    ['X:@SomeOne', 'SOCIAL_ACCOUNT', 'x:someone'],
    ['twitter:@SomeOne', 'SOCIAL_ACCOUNT', 'x:someone'],
    ['facebook:some.page', 'SOCIAL_ACCOUNT', 'facebook:some.page'],
    ['fb:Some.Page', 'SOCIAL_ACCOUNT', 'facebook:some.page'],
    ['Instagram:@user_name', 'SOCIAL_ACCOUNT', 'instagram:user_name'],
    ['telegram:@ChannelName', 'SOCIAL_ACCOUNT', 'telegram:channelname'],
    ['tiktok:@user', 'SOCIAL_ACCOUNT', 'tiktok:user'],
    ['bsky:user.bsky.social', 'SOCIAL_ACCOUNT', 'bluesky:user.bsky.social'],
    ['mastodon:@User@mastodon.social', 'SOCIAL_ACCOUNT', 'mastodon:user@mastodon.social'],
    // YouTube channel ids are case-sensitive.
    ['youtube:UCabcDEF123', 'SOCIAL_ACCOUNT', 'youtube:UCabcDEF123'],
    ['x: @spaced', 'SOCIAL_ACCOUNT', 'x:spaced'],
  ])('%j → %s %s', (input, type, want) => {
    expectOk(null, input, type, want);
    expectOk('SOCIAL_ACCOUNT', input, type, want);
  });

  it.each([
    ['myspace:someone', /unknown platform/],
    ['x:', /platform:handle/],
    ['x:@', /handle/],
    ['x:some one', /handle/],
    ['x:some/one', /handle/],
    ['someone', /platform:handle/],
    [`x:${'a'.repeat(101)}`, /handle/],
  ])('%j is invalid', (input, reason) => {
    expectInvalid('SOCIAL_ACCOUNT', input, reason);
  });
});

describe('normalize: general', () => {
  it('names the value and the problem for unrecognised values', () => {
    expectInvalid(null, 'hello world', /not a recognised indicator/);
    expectInvalid(null, 'javascript:alert(1)', /not a recognised indicator/);
  });

  it('refuses empty and very long values without scanning them', () => {
    expect(normalize(null, '   ')).toEqual({ ok: false, reason: 'the value is empty' });
    const long = `${'a.'.repeat(50_000)}com`;
    const cpu = process.cpuUsage();
    const r = normalize(null, long);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/longer than 2048/);
    expect(process.cpuUsage(cpu).user / 1000).toBeLessThan(250); // CPU ms: this machine may be shared
  });

  it('truncates long values in reasons', () => {
    const r = normalize('MD5', 'z'.repeat(200));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeLessThan(200);
  });

  it('is idempotent: a canonical value normalizes to itself', () => {
    const samples = [
      '1.2.3.4',
      '2001:0db8::0001',
      '::ffff:10.0.0.1',
      '10.1.2.3/8',
      'fe80::1/10',
      'Evil[.]Example.COM.',
      'bücher.de',
      'hxxps://Evil[.]com:443/a?b=1#x',
      'User[@]Example.com',
      'D41D8CD98F00B204E9800998ECF8427E',
      '+1 (916) 555-0100',
      'twitter:@SomeOne',
    ];
    for (const s of samples) {
      const first = normalize(null, s);
      expect(first.ok, s).toBe(true);
      if (!first.ok) continue;
      expect(normalize(null, first.value), s).toEqual(first);
      expect(normalize(first.type, first.value), s).toEqual(first);
    }
  });

  it('one spelling per indicator: defanged, upper-case and trailing-dot spellings agree', () => {
    const spellings = ['evil.example.com', 'EVIL.EXAMPLE.COM', 'evil.example.com.', 'evil[.]example[.]com', 'Evil(.)Example(.)Com.', 'evil[dot]example[dot]com'];
    const values = new Set(spellings.map((s) => JSON.stringify(normalize(null, s))));
    expect([...values]).toEqual([JSON.stringify({ ok: true, type: 'DOMAIN', value: 'evil.example.com' })]);
  });

  // A guard against pathological slow paths (a backtracking regex, a quadratic loop), not a benchmark:
  // the ingest benchmark measures speed. CPU time, with a wide margin, so a busy machine does not fail it.
  it('has no pathological slow path: 200,000 mixed values in seconds of CPU', () => {
    const values = [
      '1.2.3.4',
      'evil[.]example.com',
      'https://example.com/a?b=1',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '2001:db8::1',
      'user@example.com',
      '10.0.0.0/8',
      'd41d8cd98f00b204e9800998ecf8427e',
    ];
    const cpu = process.cpuUsage();
    let okCount = 0;
    for (let i = 0; i < 200_000; i++) if (normalize(null, values[i % values.length]!).ok) okCount++;
    expect(okCount).toBe(200_000);
    expect(process.cpuUsage(cpu).user / 1000).toBeLessThan(5_000); // about 300 ms on an idle core
  });
});

describe('parseIndicatorType', () => {
  it.each<[string, IndicatorType | null]>([
    ['ipv4', 'IPV4'],
    ['IPv6', 'IPV6'],
    ['cidr', 'CIDR'],
    ['domain', 'DOMAIN'],
    ['hostname', 'DOMAIN'],
    ['fqdn', 'DOMAIN'],
    ['url', 'URL'],
    ['email', 'EMAIL'],
    ['e-mail', 'EMAIL'],
    ['md5', 'MD5'],
    ['sha-1', 'SHA1'],
    ['SHA256', 'SHA256'],
    ['sha-256', 'SHA256'],
    ['phone', 'PHONE'],
    ['social account', 'SOCIAL_ACCOUNT'],
    ['social-account', 'SOCIAL_ACCOUNT'],
    ['bitcoin', null],
    ['', null],
  ])('%j → %s', (input, want) => {
    expect(parseIndicatorType(input)).toBe(want);
  });

  it('knows every type by its own name', () => {
    for (const t of INDICATOR_TYPES) expect(parseIndicatorType(t.toLowerCase())).toBe(t);
  });
});
