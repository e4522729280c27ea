/**
 * The helper processes of the `fanout` benchmark, each run as its own process (as the API processes are):
 *
 *   fanout-peers.ts broadcaster <redis-url> <channel>
 *       The baseline: a bare node:http SSE broadcaster. Every request to /events is a subscriber; every
 *       message on the Redis channel is written to every subscriber as `event: next` / `data:`. No
 *       authentication, no access check, no GraphQL. Prints `port <n>` once listening.
 *
 *   fanout-peers.ts probe <redis-url> <channel>
 *       The clock: an otherwise idle subscriber of the same channel that prints `<cursor> <epoch ms>` as
 *       each message arrives, i.e. when the message was published (plus one local Redis hop).
 */
import http from 'node:http';
import { Redis } from 'ioredis';

const [mode, redisUrl, channel] = process.argv.slice(2);
if (!redisUrl || !channel || (mode !== 'broadcaster' && mode !== 'probe')) {
  console.error('usage: fanout-peers.ts broadcaster|probe <redis-url> <channel>');
  process.exit(2);
}

const sub = new Redis(redisUrl, { maxRetriesPerRequest: null });

if (mode === 'probe') {
  sub.on('message', (_channel, message) => {
    const at = performance.timeOrigin + performance.now();
    const cursor = /"cursor":"?(\d+)/.exec(message)?.[1];
    if (cursor) process.stdout.write(`${cursor} ${at.toFixed(3)}\n`);
  });
  await sub.subscribe(channel);
  process.stdout.write('ready\n');
} else {
  const clients = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    if (!req.url?.startsWith('/events')) {
      res.writeHead(404).end();
      return;
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(':\n\n');
    clients.add(res);
    res.on('close', () => clients.delete(res));
  });
  sub.on('message', (_channel, message) => {
    const frame = `event: next\ndata: ${message}\n\n`;
    for (const res of clients) res.write(frame);
  });
  await sub.subscribe(channel);
  server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${(server.address() as { port: number }).port}\n`));
}
