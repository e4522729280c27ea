import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real webhook receiver on 127.0.0.1: records requests; `respond` decides each answer. */
export interface WebhookReceiver {
  url: string;
  requests: Array<{ headers: http.IncomingHttpHeaders; body: string; at: number }>;
  respond: (req: { body: string; count: number }) => number | 'hang';
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const hanging = new Set<http.ServerResponse>();
  const r: WebhookReceiver = {
    url: '',
    requests: [],
    respond: () => 200,
    async waitFor(n, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (r.requests.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} webhook requests, got ${r.requests.length}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    async close() {
      for (const res of hanging) res.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      r.requests.push({ headers: req.headers, body, at: Date.now() });
      const answer = r.respond({ body, count: r.requests.length });
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return r;
}

export interface SmtpSink {
  url: string;
  messages: Array<{ from: string; to: string[]; raw: string }>;
  close(): Promise<void>;
}

/** A real SMTP server (npm smtp-server) on 127.0.0.1 that keeps every message. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SmtpSink['messages'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        messages.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((t) => t.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}
