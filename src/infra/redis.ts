import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * Redis carries work in flight only (BullMQ queues, pub/sub). When nothing answers at the default address
 * and redis-server is installed, the hub starts one as its child, with a disk-backed AOF so that delayed
 * jobs survive a restart of the hub.
 */

export interface RedisHandle {
  url: string;
  /** A child redis-server this process started, if any. */
  child: ChildProcess | null;
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {}

export async function ensureRedis(url: string, isDefault: boolean, dataDir: string, logger: Logger): Promise<RedisHandle> {
  if (await answers(url)) return { url, child: null, stop: async () => {} };
  if (!isDefault) {
    throw new RedisUnavailableError(`Redis does not answer at ${redact(url)}: start it, or fix REDIS_URL.`);
  }
  if (spawnSync('redis-server', ['--version']).error) {
    throw new RedisUnavailableError(
      `Redis does not answer at ${url} and redis-server is not installed: install it (apt-get install redis-server, brew install redis) or set REDIS_URL.`,
    );
  }
  const dir = path.join(dataDir, 'redis');
  await fs.mkdir(dir, { recursive: true });
  const { hostname, port } = new URL(url);
  const child = spawn(
    'redis-server',
    ['--bind', hostname, '--port', port || '6379', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 50; i++) {
    if (await answers(url)) {
      logger.info({ dir, pid: child.pid }, 'started redis-server as a child process');
      return {
        url,
        child,
        stop: async () => {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          await exited;
          logger.info('redis-server stopped');
        },
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError(`Redis does not answer at ${url}, and the redis-server started in its place did not come up.`);
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A connection for commands (API side): fails fast instead of queueing commands forever while Redis is down. */
export function createRedis(url: string, logger: Logger, extra: RedisOptions = {}): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 2_000, ...extra });
  let lastLogged = 0;
  client.on('error', (err) => {
    // ioredis emits an error per reconnect attempt: log at most one every 10 s.
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      logger.warn({ err: err.message }, 'redis connection error');
    }
  });
  return client;
}

/** BullMQ workers block on Redis: they need maxRetriesPerRequest null (BullMQ's own requirement). */
export function createWorkerRedis(url: string, logger: Logger): Redis {
  return createRedis(url, logger, { maxRetriesPerRequest: null });
}

/** BullMQ drops jobs when Redis evicts keys: say so at start. */
export async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      logger.warn({ policy }, `Redis maxmemory-policy is "${policy}": BullMQ may lose jobs; set it to noeviction`);
    }
  } catch {
    // CONFIG may be disabled on managed Redis: nothing to check then.
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
