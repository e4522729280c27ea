import type { Kysely } from 'kysely';

// Who issued a token when it was not its owner: only the operator's CLI may (`estf token issue`), and the
// owner sees it on their token list. Null: the owner issued it themself.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('issued_by', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_tokens').dropColumn('issued_by').execute();
}
