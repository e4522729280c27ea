import os from 'node:os';
import type { Handle } from '../../infra/handle.js';

export async function recordHeartbeat(db: Handle, w: { workerId: string; startedAt: Date }): Promise<void> {
  const now = new Date();
  await db
    .insertInto('worker_heartbeats')
    .values({ worker_id: w.workerId, hostname: os.hostname(), pid: process.pid, started_at: w.startedAt, last_beat_at: now })
    .onConflict((oc) => oc.column('worker_id').doUpdateSet({ last_beat_at: now }))
    .execute();
}

export async function removeHeartbeat(db: Handle, workerId: string): Promise<void> {
  await db.deleteFrom('worker_heartbeats').where('worker_id', '=', workerId).execute();
}

export function listHeartbeats(db: Handle) {
  return db.selectFrom('worker_heartbeats').selectAll().orderBy('started_at').execute();
}
