import type { Handle } from '../../infra/handle.js';
import { findEventLogRows, type EventLogRow } from './alerts.repository.js';
import type { LiveSource } from '../../live/bus.js';

/** A token revoked (tokenPrefix set), a console session ended (sessionId set) or a user deactivated (neither: every token of the user). */
export interface AccessEvent {
  cursor: number;
  userId: string;
  tokenPrefix: string | null;
  sessionId: string | null;
}

/** The live bus's source for `Access` rows (identity.service.ts writes them with the change). */
export function accessEventSource(db: Handle): LiveSource<AccessEvent, EventLogRow> {
  return {
    async load(envelopes, rows) {
      const read = rows ?? (await findEventLogRows(db, envelopes.map((e) => e.cursor)));
      return read.flatMap((r) =>
        typeof r.payload?.userId === 'string'
          ? [
              {
                cursor: r.id,
                userId: r.payload.userId,
                tokenPrefix: typeof r.payload.tokenPrefix === 'string' ? r.payload.tokenPrefix : null,
                sessionId: typeof r.payload.sessionId === 'string' ? r.payload.sessionId : null,
              },
            ]
          : [],
      );
    },
  };
}
