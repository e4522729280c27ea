import { describe, expect, it } from 'vitest';
import { createWebhookGuard, REFUSED_NOT_PUBLIC } from '../src/modules/notifications/webhook-guard.js';

/** URL spellings the builders' tests did not try; each must reach the guard as the address the socket would use. */
describe('attack: webhook URL spellings', () => {
  const names: Record<string, string[]> = {
    'multi.example': ['8.8.8.8', '10.0.0.1'], // one private address among public ones
    'xn--bcher-kva.example': ['127.0.0.1'], // what an IDN host becomes
    'public.example': ['8.8.8.8'],
  };
  const guard = createWebhookGuard({
    allowPrivateTargets: false,
    allow: { hosts: [], networks: [] },
    resolve: async (h) => {
      const a = names[h];
      if (!a) throw new Error('ENOTFOUND');
      return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
  });

  it.each([
    'http://0/', 'http://[::]/', 'http://public@127.0.0.1/', 'http://8.8.8.8@127.0.0.1/', 'http://127.1/', 'http://0x7f000001/',
    'http://017700000001/', 'http://2130706433/', 'http://127.0.0.1\\@8.8.8.8/', 'http://127.0.0.1\t/', 'http://127.0.\n0.1/',
    'http://[::ffff:127.0.0.1]/', 'http://[::127.0.0.1]/', 'http://[::ffff:0:7f00:1]/', 'http://[64:ff9b::a00:1]/',
    'http://[64:ff9b:1::7f00:1]/', 'http://[2002:7f00:1::]/', 'http://[fe80::1]/', 'http://LOCALHOST./', 'http://x.localhost:8080/',
    'http://multi.example/', 'http://bücher.example/', 'http://169.254.169.254/', 'http://100.64.0.1/', 'http://198.18.0.1/',
    'http://255.255.255.255/', 'http://224.0.0.1/', 'http://[ff02::1]/', 'http://[fc00::1]/', 'http://[2001:db8::1]/',
    'http://[100::1]/', 'http://192.0.0.8/', 'http://192.88.99.1/', 'https://[::1]:443/',
  ])('%s is refused', async (url) => {
    expect(await guard.check(new URL(url))).toEqual({ ok: false, outcome: 'REFUSED', error: REFUSED_NOT_PUBLIC });
  });

  it('a URL with a zone id does not parse at all', () => {
    expect(() => new URL('http://[fe80::1%25eth0]/')).toThrow();
  });

  it.each(['http://8.8.8.8/', 'http://[2606:4700::1111]/', 'http://public.example/'])('%s is allowed', async (url) => {
    expect((await guard.check(new URL(url))).ok).toBe(true);
  });
});
