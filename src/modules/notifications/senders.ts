import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import type { Config } from '../../config.js';
import type { Logger } from '../../infra/logger.js';
import { createWebhookGuard, REFUSED_NOT_PUBLIC, REFUSED_REDIRECT, type HostResolver } from './webhook-guard.js';

/**
 * The channels: e-mail over SMTP (or .eml files under dataDir/mail when SMTP_URL is unset, so a newcomer
 * sees what would have been sent), webhooks signed per Standard Webhooks, and SMS through a gateway
 * webhook (or text files under dataDir/sms). Each send returns an outcome; nothing here retries.
 */

export type SendOutcome =
  | { outcome: 'DELIVERED'; httpStatus: number | null; latencyMs: number }
  | { outcome: 'HTTP_ERROR' | 'TIMEOUT' | 'NETWORK_ERROR' | 'REFUSED' | 'GONE'; httpStatus: number | null; error: string; latencyMs: number };

export interface Senders {
  email(to: string, subject: string, text: string, messageId: string): Promise<SendOutcome>;
  webhook(url: string, secret: string, messageId: string, payload: Record<string, unknown>): Promise<SendOutcome>;
  sms(to: string, text: string, messageId: string): Promise<SendOutcome>;
  close(): void;
}

/** `resolve`: how webhook host names are resolved before the address check (tests inject one; default dns.lookup). */
export function createSenders(config: Config, logger: Logger, opts: { resolve?: HostResolver } = {}): Senders {
  const d = config.delivery;
  const guard = createWebhookGuard({ ...config.webhooks, resolve: opts.resolve });
  // The options of node's global agents, which these replace.
  const agentOptions = { keepAlive: true, scheduling: 'lifo', timeout: 5_000 } as const;
  const agents = { http: new PinnedHttpAgent(agentOptions), https: new PinnedHttpsAgent(agentOptions) };
  const mailDir = path.join(config.dataDir, 'mail');
  const smsDir = path.join(config.dataDir, 'sms');
  const smtp: Transporter | null = d.smtpUrl ? nodemailer.createTransport(d.smtpUrl) : null;
  const files: Transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  /**
   * One POST, answered by its status line: node:http rather than fetch, whose per-request machinery cost
   * a worker more CPU than the rest of a page's delivery. A redirect is a refusal, never followed (one
   * could lead the hub to an address it was never allowed to call); the timeout covers connecting and the
   * answer. `pinned`: the address the guard checked, connected to instead of resolving the name again
   * (the name still goes in the Host header and, for https, in SNI and the certificate check).
   */
  function postJson(url: string, body: string, headers: Record<string, string>, pinned: { address: string; family: 4 | 6 } | null = null): Promise<SendOutcome> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ outcome: 'NETWORK_ERROR', httpStatus: null, error: 'not a valid URL', latencyMs: 0 });
        return;
      }
      let timedOut = false;
      const secure = target.protocol === 'https:';
      const options: https.RequestOptions & PinnedOptions = {
        agent: secure ? agents.https : agents.http,
        pinnedAddress: pinned?.address,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'ESTF-Hub', 'content-length': Buffer.byteLength(body), ...headers },
        ...(pinned ? { lookup: pinnedLookup(pinned) } : {}),
      };
      const request = (secure ? https : http).request(
        target,
        options,
        (res) => {
          clearTimeout(timer);
          // The answer's body is not read, only drained, so that the connection can be reused.
          res.resume();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ outcome: 'DELIVERED', httpStatus: status, latencyMs: ms() });
          else if (status >= 300 && status < 400) resolve({ outcome: 'REFUSED', httpStatus: status, error: REFUSED_REDIRECT, latencyMs: ms() });
          else if (status === 410) resolve({ outcome: 'GONE', httpStatus: 410, error: '410 Gone: the receiver asked never to be called again', latencyMs: ms() });
          else resolve({ outcome: 'HTTP_ERROR', httpStatus: status, error: `HTTP ${status}`, latencyMs: ms() });
        },
      );
      const timer = setTimeout(() => {
        timedOut = true;
        request.destroy();
      }, d.webhookTimeoutMs);
      request.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (timedOut) resolve({ outcome: 'TIMEOUT', httpStatus: null, error: `no answer within ${d.webhookTimeoutMs} ms`, latencyMs: ms() });
        else resolve({ outcome: 'NETWORK_ERROR', httpStatus: null, error: err.code ?? err.message, latencyMs: ms() });
      });
      request.end(body);
    });
  }

  return {
    async email(to, subject, text, messageId) {
      const started = performance.now();
      const mail = { from: d.mailFrom, to, subject, text, messageId: `<${messageId}@estf-hub>` };
      try {
        if (smtp) {
          await smtp.sendMail(mail);
        } else {
          const info = (await files.sendMail(mail)) as unknown as { message: Buffer };
          await fs.mkdir(mailDir, { recursive: true });
          const file = path.join(mailDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${messageId}.eml`);
          await fs.writeFile(file, info.message);
          logger.info({ to, subject, file }, 'e-mail written to a file (SMTP_URL is not set)');
        }
        return { outcome: 'DELIVERED', httpStatus: null, latencyMs: Math.round(performance.now() - started) };
      } catch (err) {
        return { outcome: 'NETWORK_ERROR', httpStatus: null, error: (err as Error).message, latencyMs: Math.round(performance.now() - started) };
      }
    },

    async webhook(url, secret, messageId, payload) {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return { outcome: 'REFUSED', httpStatus: null, error: 'not a valid URL', latencyMs: 0 };
      }
      if (target.protocol !== 'https:' && target.protocol !== 'http:') return { outcome: 'REFUSED', httpStatus: null, error: 'not an http(s) URL', latencyMs: 0 };
      // Checked at every delivery, on what the name resolves to now: a URL saved while its name was public
      // may point inside the network today. A refusal says nothing of the address, port or error.
      const started = performance.now();
      const decision = await guard.check(target);
      if (!decision.ok) {
        if (decision.error === REFUSED_NOT_PUBLIC) logger.warn({ host: target.hostname, messageId }, 'webhook target refused: not a public address');
        return { outcome: decision.outcome, httpStatus: null, error: decision.error, latencyMs: Math.round(performance.now() - started) };
      }
      const body = JSON.stringify(payload);
      const now = new Date();
      const signature = new Webhook(secret).sign(messageId, now, body);
      return postJson(
        url,
        body,
        {
          'webhook-id': messageId,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signature,
        },
        decision.pinned,
      );
    },

    async sms(to, text, messageId) {
      if (d.smsGatewayUrl) {
        const body = JSON.stringify({ to, text, id: messageId });
        const headers: Record<string, string> = {};
        if (d.smsGatewaySecret) {
          const now = new Date();
          headers['webhook-id'] = messageId;
          headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
          headers['webhook-signature'] = new Webhook(d.smsGatewaySecret).sign(messageId, now, body);
        }
        return postJson(d.smsGatewayUrl, body, headers);
      }
      const started = performance.now();
      await fs.mkdir(smsDir, { recursive: true });
      await fs.writeFile(path.join(smsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${messageId || randomUUID()}.txt`), `To: ${to}\n\n${text}\n`);
      logger.info({ to }, 'SMS written to a file (ESTF_SMS_GATEWAY_URL is not set)');
      return { outcome: 'DELIVERED', httpStatus: null, latencyMs: Math.round(performance.now() - started) };
    },

    close() {
      smtp?.close();
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** A lookup that answers every query with the one address already checked (node:net asks for a list when it races address families). */
function pinnedLookup(pinned: { address: string; family: 4 | 6 }): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
}

/**
 * Kept-alive connections are pooled per host, port and checked address: a delivery reuses a connection
 * only when it was opened to the address this delivery's check allowed, never one opened to whatever
 * the name resolved to before.
 */
type PinnedOptions = { pinnedAddress?: string };
class PinnedHttpAgent extends http.Agent {
  override getName(options?: http.ClientRequestArgs & PinnedOptions): string {
    return `${super.getName(options)}:${options?.pinnedAddress ?? ''}`;
  }
}
class PinnedHttpsAgent extends https.Agent {
  override getName(options?: https.RequestOptions & PinnedOptions): string {
    return `${super.getName(options)}:${options?.pinnedAddress ?? ''}`;
  }
}
