import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import type { Config } from '../../config.js';
import type { Logger } from '../../infra/logger.js';

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

export function createSenders(config: Config, logger: Logger): Senders {
  const d = config.delivery;
  const mailDir = path.join(config.dataDir, 'mail');
  const smsDir = path.join(config.dataDir, 'sms');
  const smtp: Transporter | null = d.smtpUrl ? nodemailer.createTransport(d.smtpUrl) : null;
  const files: Transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  async function postJson(url: string, body: string, headers: Record<string, string>): Promise<SendOutcome> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'ESTF-Hub', ...headers },
        body,
        // A redirect could lead the hub to an address it was never allowed to call.
        redirect: 'manual',
        signal: AbortSignal.timeout(d.webhookTimeoutMs),
      });
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) return { outcome: 'DELIVERED', httpStatus: res.status, latencyMs: ms() };
      if (res.status === 410) return { outcome: 'GONE', httpStatus: 410, error: '410 Gone: the receiver asked never to be called again', latencyMs: ms() };
      return { outcome: 'HTTP_ERROR', httpStatus: res.status, error: `HTTP ${res.status}`, latencyMs: ms() };
    } catch (err) {
      const e = err as Error;
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        return { outcome: 'TIMEOUT', httpStatus: null, error: `no answer within ${d.webhookTimeoutMs} ms`, latencyMs: ms() };
      }
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return { outcome: 'NETWORK_ERROR', httpStatus: null, error: cause?.code ?? cause?.message ?? e.message, latencyMs: ms() };
    }
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
      const body = JSON.stringify(payload);
      const now = new Date();
      const signature = new Webhook(secret).sign(messageId, now, body);
      return postJson(url, body, {
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      });
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
    },
  };
}
