import { Argument, Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { RunningHub } from './hub.js';
import type { Services } from './services.js';
import { createLogger, type Logger } from './infra/logger.js';
import { migrate, migrationStatus } from './infra/migrate.js';
import { createDb, type Db } from './infra/db.js';
import { currentRole, grantAppRole } from './infra/app-role.js';
import { openDatabase } from './infra/database.js';
import { isPrepared } from './infra/prepared.js';
import { useAuditKey } from './modules/audit/audit.key.js';
import { registerCommands } from './cli/commands.js';
import { registerOncallCommand } from './cli/oncall.command.js';
import { registerIndicatorsCommand } from './cli/indicators.command.js';
import { registerDigestsCommand } from './cli/digests.command.js';
import { registerMispCommand } from './cli/misp.command.js';
import { registerStixCommand } from './cli/stix.command.js';

/**
 * The `estf` command. Entry point only: parses arguments and configuration, then wires and runs.
 * Exit codes: 0 done, 1 failed (bad configuration, unreachable service, refused operation),
 * 2 bad usage (unknown command or flag).
 */

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`estf: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** Commands print their answer on stdout; logs go to stderr, quiet unless LOG_LEVEL asks otherwise. */
function commandLogger(config: Config): Logger {
  return createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn');
}

/**
 * Runs `fn` with a migrated database: the embedded one the hub started, or one started for this command.
 * The wiring (deps.ts: migrations, seeds) is loaded only for a database not prepared yet: an operator
 * issuing tokens for every partner waits for the token, not for the whole hub to load each time.
 */
export async function withDatabase<T>(fn: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfigOrExit();
  const logger = commandLogger(config);
  const database = await openDatabase(config, logger, { poolSize: 2 });
  try {
    if (!(await isPrepared(database.db, config))) {
      const { prepareDatabase } = await import('./deps.js');
      await prepareDatabase(database.db, config, logger, database.adminUrl);
    }
    useAuditKey(config);
    return await fn(database.db, config);
  } finally {
    await database.close();
  }
}

/**
 * Runs `fn` with the services of the composition root (src/services.ts), built once for the command on
 * its database. Loaded on use: `estf migrate` and the hub's commands do not need them.
 */
export function withServices<T>(fn: (services: Services, config: Config) => Promise<T>): Promise<T> {
  return withDatabase(async (db, config) => fn((await import('./services.js')).createServices({ db, config }), config));
}

async function runHub(api: boolean, workers: boolean): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  // Loaded here, not at the top: the HTTP server, GraphQL and BullMQ are not needed by `estf token issue`.
  const { readyBanner, startHub } = await import('./hub.js');
  const { RedisUnavailableError } = await import('./infra/redis.js');
  let hub: RunningHub;
  try {
    // `estf work` is wired by workers/main.ts; `start` and `serve` by src/hub.ts.
    hub = api ? await startHub(config, logger, { api, workers }) : await (await import('../workers/main.js')).startWorkerProcess(config, logger);
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      process.stderr.write(`estf: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  process.stdout.write(`${readyBanner(config, hub.port, workers)}\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.stderr.write('estf: second signal, exiting now\n');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.intervals.shutdownTimeoutMs);
    force.unref();
    hub
      .stop()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

const program = new Command('estf')
  .description("ESTF Hub: incident coordination for California's Election Security Task Force")
  .exitOverride()
  .showSuggestionAfterError(true)
  .configureOutput({ outputError: (str, write) => write(str.trim().replace(/\n+/g, ' ') + '\n') });

program.command('start').description('run the API and the workers in one process (the default for a laptop)').action(() => runHub(true, true));
program.command('serve').description('run the API only (several may run against one database and Redis)').action(() => runHub(true, false));
program.command('work').description('run the workers only (several may run at once)').action(() => runHub(false, true));

program
  .command('migrate')
  .description('apply or roll back database migrations')
  .addArgument(new Argument('[direction]', 'up (to the latest), down (one step) or status').choices(['up', 'down', 'status']).default('up'))
  .action(async (direction: 'up' | 'down' | 'status') => {
    const config = loadConfigOrExit();
    const logger = commandLogger(config);
    const database = await openDatabase(config, logger, { poolSize: 2 });
    // Schema changes run as the admin role when there is one; the application's role is granted its rights after.
    const admin = database.adminUrl ? createDb(database.adminUrl, { max: 2, applicationName: 'estf-hub-admin' }) : null;
    try {
      if (direction === 'status') {
        for (const m of await migrationStatus(database.db)) {
          process.stdout.write(`${m.executedAt ? 'applied ' + m.executedAt.toISOString() : 'pending                         '}  ${m.name}\n`);
        }
        return;
      }
      const result = await migrate(admin ?? database.db, direction === 'up' ? 'latest' : 'down');
      if (admin) {
        const app = await currentRole(database.db);
        if (app.name !== (await currentRole(admin)).name) await grantAppRole(admin, app.name);
      }
      const done = result.results ?? [];
      if (done.length === 0) process.stdout.write('nothing to do\n');
      for (const r of done) process.stdout.write(`${r.direction === 'Up' ? 'applied' : 'rolled back'} ${r.migrationName}\n`);
    } finally {
      await admin?.destroy();
      await database.close();
    }
  });

registerCommands(program, withDatabase, withServices);
registerOncallCommand(program, withServices);
registerIndicatorsCommand(program, withServices);
registerDigestsCommand(program, withDatabase);
registerMispCommand(program, withServices);
registerStixCommand(program, withServices);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) process.exit(0);
    // A command group without its subcommand prints its help: bad usage all the same.
    process.exit(2);
  }
  process.stderr.write(`estf: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
