import { canReadAuditLog } from '../../access/policy.js';
import type { Principal } from '../../access/principal.js';
import { ForbiddenError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import { countAuditEntries, listAuditEntries, type AuditFilter, type AuditRow } from './audit.repository.js';

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

export function createAuditQueryService(deps: { db: Db; contentVisibility: Record<string, ContentVisibility> }) {
  return {
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
