import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
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

  /**
   * One POST, answered by its status line: node:http rather than fetch, whose per-request machinery cost
   * a worker more CPU than the rest of a page's delivery. Redirects are not followed (one could lead the
   * hub to an address it was never allowed to call); the timeout covers connecting and the answer.
   */
  function postJson(url: string, body: string, headers: Record<string, string>): Promise<SendOutcome> {
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
      const request = (target.protocol === 'https:' ? https : http).request(
        target,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'ESTF-Hub', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          clearTimeout(timer);
          // The answer's body is not read, only drained, so that the connection can be reused.
          res.resume();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ outcome: 'DELIVERED', httpStatus: status, latencyMs: ms() });
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
