import { sql, type Insertable, type Selectable } from 'kysely';
import type { Handle } from '../../infra/handle.js';
import type { ClaimsTable, PublicReportsTable } from './publicreports.tables.js';

/** SQL of the public reports and their claims: functions of a handle, private to the module. */

export type PublicReportRow = Selectable<PublicReportsTable>;
export type ClaimRow = Selectable<ClaimsTable>;

export async function insertPublicReport(trx: Handle, row: Insertable<PublicReportsTable>): Promise<{ id: string; reference: string }> {
  return trx.insertInto('public_reports').values(row).returning(['id', 'reference']).executeTakeFirstOrThrow();
}

export function findPublicReportByReference(db: Handle, reference: string): Promise<PublicReportRow | undefined> {
  return db.selectFrom('public_reports').selectAll().where('reference', '=', reference).executeTakeFirst();
}

/** A report to cluster, locked so that two workers never cluster it twice. */
export function lockUnclusteredReport(trx: Handle, id: string): Promise<PublicReportRow | undefined> {
  return trx.selectFrom('public_reports').selectAll().where('id', '=', id).where('clustered_at', 'is', null).forUpdate().skipLocked().executeTakeFirst();
}

export async function nextClaimReference(trx: Handle): Promise<string> {
  const { rows } = await sql<{ n: string }>`select nextval('claim_reference_seq')::text as n`.execute(trx);
  return `CLM-${rows[0]!.n.padStart(5, '0')}`;
}
