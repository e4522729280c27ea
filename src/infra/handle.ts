import type { Kysely } from 'kysely';
import type { Database } from './db-types.js';

/** A database handle: the pool, or a transaction opened by a service. Repositories take either. */
export type Handle = Kysely<Database>;

/**
 * Work an adapter adds to a service's own transaction, after the service's change and before the commit:
 * one change, one transaction (a STIX import records which object a filed incident came from with it,
 * so a crash between the two cannot file the incident again on the next import).
 */
export type InTransaction<T> = (trx: Handle, written: T) => Promise<void>;
