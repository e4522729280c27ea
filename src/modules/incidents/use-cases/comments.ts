import type { InTransaction } from '../../../infra/handle.js';
import { canComment } from '../../../access/incidents.js';
import type { Principal } from '../../../access/principal.js';
import { ForbiddenError } from '../../../errors.js';
import { LIMITS } from '../../../domain/taxonomy.js';
import { touchIncident, type TimelineRow } from '../incidents.repository.js';
import { checkLongText } from '../incidents.validation.js';
import { lockVisible, record, type IncidentsDeps } from './deps.js';

/** Comments on an incident's timeline. */

export async function commentOnIncident(deps: IncidentsDeps, principal: Principal, id: string, body: string, also?: InTransaction<TimelineRow>): Promise<TimelineRow> {
  return deps.db.transaction().execute(async (trx) => {
    const { row } = await lockVisible(trx, principal, id);
    if (!canComment(principal)) throw new ForbiddenError('Only analysts may comment.');
    const text = checkLongText(body, 'body', LIMITS.comment);
    const entry = await record(
      trx,
      principal,
      row,
      { kind: 'COMMENT', body: text },
      { action: 'incident.commented', change: { length: text.length } },
      [{ topic: 'incident.commented' }],
    );
    await touchIncident(trx, row.id);
    await also?.(trx, entry!);
    return entry!;
  });
}
