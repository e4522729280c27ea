import { canReadAuditLog } from '../../access/policy.js';
import type { Principal } from '../../access/principal.js';
import { ForbiddenError } from '../../errors.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';
import { readCheckpoints } from './audit.checkpoints.js';
import { useAuditKey } from './audit.key.js';
import { countAuditEntries, listAuditEntries, verifyAuditChain, type AuditFilter, type AuditRow, type VerifyResult } from './audit.repository.js';

export type { AuditFilter } from './audit.repository.js';

/** A verification of the whole chain against the signed checkpoints, as `estf audit verify` runs it. */
export interface AuditVerification {
  result: VerifyResult;
  /** Checkpoint lines that are not checkpoints signed with this hub's key. */
  problems: string[];
  /** How many signed checkpoints the chain was checked against. */
  checkpoints: number;
}

/** Walks the chain with the hub's audit key against every signed checkpoint (estf audit verify, the console). */
export async function verifyAuditLog(db: Db, config: Config): Promise<AuditVerification> {
  const key = useAuditKey(config);
  const { checkpoints, problems } = await readCheckpoints(config, key);
  const result = await verifyAuditChain(db, { key, checkpoints });
  return { result, problems, checkpoints: checkpoints.length };
}

/** One line saying whether the chain verifies, or where it breaks (the CLI prints it; the console shows it). */
export function describeVerification(v: AuditVerification): { ok: boolean; text: string } {
  const r = v.result;
  if (r.ok && v.problems.length === 0) return { ok: true, text: `ok ${r.entries} entries` };
  if (r.ok) return { ok: false, text: `broken: ${v.problems.length} forged or damaged checkpoint line(s) (${r.entries} entries verified)` };
  return { ok: false, text: `broken at entry ${r.brokenSeq}: ${r.reason} (${r.entries} entries verified before it)` };
}

/**
 * Which objects' changed content a principal may see, by object type. Types about structure (users,
 * tokens, partners, schedules) are shown to auditors; content types (incidents, indicators) are checked
 * with the access policy; a type nobody registered is shown without its content.
 */
export type ContentVisibility = (principal: Principal, objectIds: readonly string[]) => Promise<ReadonlySet<string>>;

export const STRUCTURAL_OBJECT_TYPES: ReadonlySet<string> = new Set(['User', 'ApiToken', 'Organization', 'Duty', 'Schedule', 'ScheduleOverride', 'ContactMethod', 'RoutingRule', 'AlertSubscription', 'IndicatorReportBatch']);

export interface AuditEntryView {
  row: AuditRow;
  changeVisible: boolean;
}

export type AuditQueryService = ReturnType<typeof createAuditQueryService>;

export function createAuditQueryService(deps: { db: Db; config?: Config; contentVisibility: Record<string, ContentVisibility> }) {
  return {
    /** The same verification as `estf audit verify`, for auditors (the console's "Verify chain"). */
    async verify(principal: Principal): Promise<AuditVerification> {
      if (!canReadAuditLog(principal)) throw new ForbiddenError('Only auditors may verify the audit log.');
      if (!deps.config) throw new Error('the audit service was built without the configuration: it cannot find the checkpoints');
      return verifyAuditLog(deps.db, deps.config);
    },
    async list(principal: Principal, filter: AuditFilter, first: number, beforeSeq: number | null) {
      if (!canReadAuditLog(principal)) throw new ForbiddenError('Only auditors may read the audit log.');
      const rows = await listAuditEntries(deps.db, filter, first + 1, beforeSeq);
      const page = rows.slice(0, first);
      // An entry's change may name other objects (`related`, e.g. the incident a duplicate was merged
      // into): its content is shown only when every object it names is visible too.
      const relatedOf = (r: AuditRow): Array<{ type: string; id: string }> => {
        const rel = (r.change as { related?: unknown } | null)?.related;
        return Array.isArray(rel) ? rel.filter((x): x is { type: string; id: string } => typeof x?.type === 'string' && typeof x?.id === 'string') : [];
      };
      const byType = new Map<string, string[]>();
      const want = (type: string, id: string) => {
        if (!STRUCTURAL_OBJECT_TYPES.has(type)) byType.set(type, [...(byType.get(type) ?? []), id]);
      };
      for (const r of page) {
        if (r.object_id) want(r.object_type, r.object_id);
        for (const x of relatedOf(r)) want(x.type, x.id);
      }
      const visible = new Map<string, ReadonlySet<string>>();
      for (const [type, ids] of byType) {
        const check = deps.contentVisibility[type];
        visible.set(type, check ? await check(principal, ids) : new Set());
      }
      const sees = (type: string, id: string | null) => STRUCTURAL_OBJECT_TYPES.has(type) || (id !== null && (visible.get(type)?.has(id) ?? false));
      const nodes: AuditEntryView[] = page.map((row) => ({
        row,
        changeVisible: sees(row.object_type, row.object_id) && relatedOf(row).every((x) => sees(x.type, x.id)),
      }));
      return { nodes, hasNextPage: rows.length > first, totalCount: () => countAuditEntries(deps.db, filter) };
    },
  };
}
