import type { Config } from '../config.js';
import { createDb, type Db } from './db.js';
import { openEmbeddedPostgres } from './embedded-postgres.js';
import type { Logger } from './logger.js';

// Apart from deps.ts so that a command (`estf token issue`) opens the database without loading the
// whole hub (GraphQL, BullMQ, the escalation engine).

export interface DatabaseHandle {
  url: string;
  /** Where migrations run when the application's role may not change the schema (see prepareDatabase). */
  adminUrl: string | null;
  db: Db;
  /** Closes the pool, then stops the embedded server if this process started it. */
  close(): Promise<void>;
}

export async function openDatabase(config: Config, logger: Logger, opts: { poolSize?: number } = {}): Promise<DatabaseHandle> {
  const embedded = config.database.embedded ? await openEmbeddedPostgres(config.dataDir, logger) : null;
  const url = embedded?.url ?? config.database.url!;
  const db = createDb(url, { max: opts.poolSize ?? 10 });
  return {
    url,
    adminUrl: embedded?.adminUrl ?? config.database.adminUrl ?? null,
    db,
    close: async () => {
      await db.destroy();
      await embedded?.stop();
    },
  };
}
