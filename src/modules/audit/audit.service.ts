import type { Principal } from '../../access/principal.js';
import type { Handle } from '../../infra/handle.js';
import { appendAuditEntry, type AuditStatementPart } from './audit.repository.js';

/** Records what a principal did, inside the caller's transaction. */
export async function recordAudit(
  trx: Handle,
  principal: Principal,
  action: string,
  object: { type: string; id: string | null },
  change: unknown = null,
  /** CTEs written by the same statement as the entry, under the append lock (the change's outbox events). */
  also?: () => AuditStatementPart | undefined,
): Promise<void> {
  const user = principal.kind === 'user' ? principal : null;
  await appendAuditEntry(trx, {
    actorUserId: user?.userId ?? null,
    actorEmail: user?.email ?? (principal.kind === 'system' ? `system:${principal.name}` : null),
    actorOrganizationId: user?.organization.id ?? null,
    actorOrganizationSlug: user?.organization.slug ?? null,
    tokenPrefix: user?.tokenPrefix ?? null,
    action,
    objectType: object.type,
    objectId: object.id,
    change,
    requestId: principal.requestId,
    clientAddress: principal.clientAddress,
  }, also);
}
