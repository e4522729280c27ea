import { request } from 'node:http';
import { solveChallenge } from 'altcha-lib';

/**
 * What the public form's tests share: a real proof of work (altcha-lib solves the hub's own challenge, as the
 * widget does in a browser), and form posts from a chosen loopback address (127.0.0.2, 127.0.0.3, …: every
 * 127/8 address is this machine, so the hub sees distinct clients without a proxy header to trust).
 */

export async function solveProof(baseUrl: string, localAddress = '127.0.0.1'): Promise<string> {
  const res = await httpRequest(`${baseUrl}/report/altcha`, { method: 'GET', localAddress });
  const c = JSON.parse(res.body) as { algorithm: string; challenge: string; salt: string; signature: string; maxnumber: number };
  const solution = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
  if (!solution) throw new Error('no solution to the challenge');
  return Buffer.from(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: solution.number, salt: c.salt, signature: c.signature })).toString('base64');
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpRequest(url: string, opts: { method: string; localAddress?: string; headers?: Record<string, string>; body?: Buffer }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method, localAddress: opts.localAddress, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body) req.end(opts.body);
    else req.end();
  });
}

/** The form's hidden start token, from a fresh GET of the form. */
export async function formStarted(baseUrl: string, lang: string, localAddress = '127.0.0.1'): Promise<string> {
  const res = await httpRequest(`${baseUrl}/report/${lang}`, { method: 'GET', localAddress });
  const m = /name="started" value="([^"]+)"/.exec(res.body);
  if (!m) throw new Error(`no start token in the form (status ${res.status})`);
  return m[1]!;
}

export const VALID_REPORT = { claim: 'A text says you can vote by replying to this message with your name and address.', where: 'TEXT_MESSAGE', when: 'TODAY' };

/**
 * Posts the form as a browser would (multipart, Origin of the hub). `fields` overrides; `proof` null: none;
 * `started` defaults to a fresh token older than minFillMs (the caller's hub sets ESTF_REPORT_MIN_FILL_TIME low).
 */
export async function postReport(
  baseUrl: string,
  lang: string,
  fields: Record<string, string | Blob> = {},
  opts: { localAddress?: string; proof?: string | null; started?: string; origin?: string | null; waitMs?: number } = {},
): Promise<HttpResult> {
  const localAddress = opts.localAddress ?? '127.0.0.1';
  const started = opts.started ?? (await formStarted(baseUrl, lang, localAddress));
  if (opts.waitMs) await new Promise((r) => setTimeout(r, opts.waitMs));
  const proof = opts.proof === undefined ? await solveProof(baseUrl, localAddress) : opts.proof;
  const fd = new FormData();
  fd.set('started', started);
  fd.set('website', '');
  for (const [k, v] of Object.entries({ ...VALID_REPORT, ...fields })) fd.set(k, v as string | Blob);
  if (proof !== null) fd.set('altcha', proof);
  const encoded = new Request('http://encode.invalid/', { method: 'POST', body: fd });
  const body = Buffer.from(await encoded.arrayBuffer());
  const headers: Record<string, string> = { 'content-type': encoded.headers.get('content-type')!, 'content-length': String(body.length) };
  if (opts.origin !== null) headers.origin = opts.origin ?? new URL(baseUrl).origin;
  return httpRequest(`${baseUrl}/report/${lang}`, { method: 'POST', localAddress, headers, body });
}

export function referenceIn(html: string): string | null {
  return /<p class="reference">(R-[0-9A-Z]{4}-[0-9A-Z]{4})<\/p>/.exec(html)?.[1] ?? null;
}
