import type { ColumnType } from 'kysely';

/**
 * Column types shared by every table interface. A leaf (it imports only Kysely): the modules' *.tables.ts
 * take them from here, and db-types.ts assembles those tables into the Database, so the two never form a
 * circle (issue 13).
 */

export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
