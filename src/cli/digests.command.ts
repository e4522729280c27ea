import { Option, type Command } from 'commander';
import type { Config } from '../config.js';
import type { Db } from '../infra/db.js';

type WithDatabase = <T>(fn: (db: Db, config: Config) => Promise<T>) => Promise<T>;

const out = (line = '') => process.stdout.write(`${line}\n`);

/**
 * `estf digests run [--mode hourly|daily|all]`: assembles the digests of saved alert subscriptions now,
 * as the workers' schedule would (events since each subscription's last digest). The deliveries are
 * queued for the workers; if Redis is out of reach they stay pending in PostgreSQL and the reconciler
 * queues them. Prints one line per mode: how many digests were created and how many were empty.
 */
export function registerDigestsCommand(program: Command, withDatabase: WithDatabase): void {
  const digests = program.command('digests').description('digests of saved alert subscriptions');
  digests
    .command('run')
    .description('assemble due digests now (the workers deliver them)')
    .addOption(new Option('--mode <mode>', 'which digests').choices(['hourly', 'daily', 'all']).default('all'))
    .action((o: { mode: 'hourly' | 'daily' | 'all' }) =>
      withDatabase(async (db, config) => {
        // Loaded here: queues and senders are not needed by the other commands.
        const [{ createDeps, hubInstanceId }, { createLogger }] = await Promise.all([import('../deps.js'), import('../infra/logger.js')]);
        const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn');
        const deps = createDeps(config, logger, { url: config.database.url ?? '', db, instanceId: await hubInstanceId(db) }, config.redis.url);
        try {
          const modes = o.mode === 'all' ? (['HOURLY_DIGEST', 'DAILY_DIGEST'] as const) : o.mode === 'hourly' ? (['HOURLY_DIGEST'] as const) : (['DAILY_DIGEST'] as const);
          for (const mode of modes) {
            const r = await deps.subscriptionJobs.runDigests(mode);
            out(`${mode === 'HOURLY_DIGEST' ? 'hourly' : 'daily'}: ${r.created} digest(s) queued, ${r.empty} empty`);
          }
        } finally {
          await deps.close();
        }
      }),
    );
}
