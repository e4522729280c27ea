import type { Kysely } from 'kysely';
import type { Database } from './db-types.js';

/** A database handle: the pool, or a transaction opened by a service. Repositories take either. */
export type Handle = Kysely<Database>;
