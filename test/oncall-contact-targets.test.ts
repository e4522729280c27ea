import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import {
  auditTarget,
  checkEmailTarget,
  checkSmsTarget,
  checkWebhookTarget,
  generateWebhookSecret,
  nonPublicHost,
} from '../src/modules/oncall/contact-targets.js';

// Pure checks of contact-method targets; the GraphQL path is covered in oncall.test.ts.

describe('SMS targets (E.164)', () => {
  it('accepts E.164 numbers, dropping spaces, dots, dashes and parentheses', () => {
    expect(checkSmsTarget('+19165550123')).toEqual({ ok: true, target: '+19165550123' });
    expect(checkSmsTarget(' +1 (916) 555-0123 ')).toEqual({ ok: true, target: '+19165550123' });
    expect(checkSmsTarget('+44 20 7946 0958')).toEqual({ ok: true, target: '+442079460958' });
  });

  it.each([
    ['9165550123', 'no + and country code'],
    ['+0123456789', 'country code cannot start with 0'],
    ['+1234567890123456', 'more than 15 digits'],
    ['+1916555012', 'North American number one digit short'],
    ['+11165550123', 'area code starting with 1'],
    ['+19160550123', 'exchange starting with 0'],
    ['+1 916 CALL NOW', 'letters'],
    ['', 'empty'],
  ])('refuses %j (%s)', (value) => {
    expect(checkSmsTarget(value).ok).toBe(false);
  });
});

describe('e-mail targets', () => {
  it('accepts and lower-cases an address, refuses anything else', () => {
    expect(checkEmailTarget(' Watch@CalOES.example ')).toEqual({ ok: true, target: 'watch@caloes.example' });
    expect(checkEmailTarget('watch@').ok).toBe(false);
    expect(checkEmailTarget('not an address').ok).toBe(false);
  });
});

describe('webhook targets', () => {
  const strict = { allowPrivateTargets: false };
  const lax = { allowPrivateTargets: true };

  it('accepts public http(s) URLs, dropping any fragment', () => {
    expect(checkWebhookTarget('https://hooks.example.org/estf?team=soc#x', strict)).toEqual({ ok: true, target: 'https://hooks.example.org/estf?team=soc' });
    expect(checkWebhookTarget('http://8.8.8.8:8080/hook', strict).ok).toBe(true);
    expect(checkWebhookTarget('https://[2606:4700::1111]/hook', strict).ok).toBe(true);
    // Documentation ranges are not on the internet (the full address class: webhook-guard.test.ts).
    expect(checkWebhookTarget('http://203.0.113.10:8080/hook', strict).ok).toBe(false);
    expect(checkWebhookTarget('https://[2001:db8::1]/hook', strict).ok).toBe(false);
  });

  it.each(['ftp://hooks.example.org/', 'javascript:alert(1)', 'hooks.example.org/estf', 'not a url', 'https://user:pw@hooks.example.org/'])(
    'refuses %j whatever the private-address setting',
    (value) => {
      expect(checkWebhookTarget(value, lax).ok).toBe(false);
    },
  );

  it.each([
    'http://localhost/hook',
    'http://LOCALHOST.:8080/hook',
    'http://api.localhost/hook',
    'http://127.0.0.1:9000/hook',
    'http://127.1/hook',
    'http://0x7f000001/hook',
    'http://2130706433/hook',
    'http://0.0.0.0/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://192.168.1.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://[::1]/',
    'http://[::]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
  ])('refuses %s unless private targets are allowed', (value) => {
    const refused = checkWebhookTarget(value, strict);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toMatch(/ESTF_ALLOW_PRIVATE_WEBHOOKS/);
    expect(checkWebhookTarget(value, lax).ok).toBe(true);
  });

  it('leaves public addresses and DNS names alone (names are not resolved at creation)', () => {
    expect(nonPublicHost('172.32.0.1')).toBeNull();
    expect(nonPublicHost('8.8.8.8')).toBeNull();
    expect(nonPublicHost('[2606:4700::1111]')).toBeNull();
    expect(nonPublicHost('hooks.example.org')).toBeNull();
  });
});

describe('webhook signing secrets', () => {
  it('follow Standard Webhooks: whsec_ + base64 of at least 24 random bytes, different every time', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(a.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(a).not.toBe(b);
  });
});

describe('what the audit log keeps of a target', () => {
  it('keeps a webhook origin only, and masks most of a phone number', () => {
    expect(auditTarget('WEBHOOK', 'https://hooks.slack.example/services/T000/B000/SECRETTOKEN')).toBe('https://hooks.slack.example/…');
    expect(auditTarget('SMS', '+19165550123')).toBe('+1916…23');
    expect(auditTarget('EMAIL', 'watch@caloes.example')).toBe('watch@caloes.example');
  });
});

describe('ESTF_ALLOW_PRIVATE_WEBHOOKS', () => {
  it('defaults to allowed outside production and refused in production, and can be set either way', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).webhooks.allowPrivateTargets).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).webhooks.allowPrivateTargets).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).webhooks.allowPrivateTargets).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', ESTF_ALLOW_PRIVATE_WEBHOOKS: 'true' }).webhooks.allowPrivateTargets).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', ESTF_ALLOW_PRIVATE_WEBHOOKS: 'off' }).webhooks.allowPrivateTargets).toBe(false);
    expect(() => loadConfig({ ESTF_ALLOW_PRIVATE_WEBHOOKS: 'maybe' })).toThrow(/ESTF_ALLOW_PRIVATE_WEBHOOKS/);
  });
});
