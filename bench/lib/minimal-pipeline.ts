/**
 * The escalation benchmark's baseline (shared/design/benchmarks.md): a **minimal durable pipeline**, run as its
 * own process so its CPU can be measured like the hub's. An HTTP server takes a JSON filing, inserts an incident
 * row and an outbox row in one transaction, adds one BullMQ job after the commit and answers; a Worker in the
 * same process takes the job and POSTs the page to the receiver. Nothing else: no auth, no validation, no
 * routing, no audit. It is what any durable "filed → paged" path must at least do, so the hub's distance to it
 * is the cost of everything the hub adds.
 *
 *   DATABASE_URL, REDIS_URL, PORT, RECEIVER_URL, QUEUE_PREFIX   (started by bench/escalation.ts)
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 10 });
const prefix = env('QUEUE_PREFIX');
const receiver = new URL(env('RECEIVER_URL'));
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

await pool.query(`
  create table if not exists pipeline_incidents (id uuid primary key, reference text not null unique, title text not null, body jsonb not null, created_at timestamptz not null default now());
  create table if not exists pipeline_outbox (id bigserial primary key, incident_id uuid not null, topic text not null, payload jsonb not null, created_at timestamptz not null default now())`);

const producer = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
const consumer = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
const queue = new Queue('pipeline', { connection: producer, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });

function post(body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: receiver.hostname, port: receiver.port, path: receiver.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const worker = new Worker(
  'pipeline',
  async (job) => {
    const { reference, title } = job.data as { reference: string; title: string };
    await post(JSON.stringify({ incident: { reference, title } }));
  },
  { connection: consumer, prefix, concurrency: 16 },
);
await worker.waitUntilReady();

let sequence = 0;
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { title: string };
      const id = randomUUID();
      const reference = `PIPE-${process.pid}-${++sequence}`;
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('insert into pipeline_incidents (id, reference, title, body) values ($1, $2, $3, $4)', [id, reference, input.title, input]);
        await client.query('insert into pipeline_outbox (incident_id, topic, payload) values ($1, $2, $3)', [id, 'incident.filed', { id, reference }]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
      await queue.add('page', { reference, title: input.title });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reference }));
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(env('PORT')), '127.0.0.1', () => console.log('pipeline ready'));

process.on('SIGTERM', async () => {
  server.close();
  await worker.close();
  await queue.close();
  producer.disconnect();
  consumer.disconnect();
  await pool.end();
  process.exit(0);
});
