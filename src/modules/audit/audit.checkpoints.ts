import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db.js';

/**
 * Signed checkpoints of the audit chain, kept outside the database: the head entry's seq and hash at a
 * time, HMAC-signed with the audit key, one JSON line each appended to <checkpointDir>/checkpoints.jsonl.
 * A keyed chain still verifies after its newest entries are deleted (the rest is untouched); a
 * checkpoint that recorded more entries than remain, or another hash at its seq, shows the cut.
 * Written by the workers every ESTF_AUDIT_CHECKPOINT_INTERVAL and by `estf audit checkpoint`.
 */

export interface Checkpoint {
  seq: number;
  head: string;
  at: string;
}

export const CHECKPOINT_FILE = 'checkpoints.jsonl';

function checkpointMac(key: Buffer, c: Checkpoint): string {
  return createHmac('sha256', key).update(`estf-audit-checkpoint\n${c.seq}\n${c.head}\n${c.at}`).digest('hex');
}

/** The chain's head now, or seq 0 for an empty log. */
export async function chainHead(db: Db): Promise<{ seq: number; head: string }> {
  const last = await db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return last ? { seq: last.seq, head: last.hash } : { seq: 0, head: '' };
}

/** Appends a signed checkpoint of a head (one just verified; default: the current head); returns it. */
export async function writeCheckpoint(db: Db, config: Config, key: Buffer, verified?: { seq: number; head: string }): Promise<Checkpoint> {
  const { seq, head } = verified ?? (await chainHead(db));
  const c: Checkpoint = { seq, head, at: new Date().toISOString() };
  await fs.mkdir(config.audit.checkpointDir, { recursive: true, mode: 0o700 });
  // One short line per append (O_APPEND): concurrent writers never interleave within a line.
  await fs.appendFile(path.join(config.audit.checkpointDir, CHECKPOINT_FILE), `${JSON.stringify({ ...c, mac: checkpointMac(key, c) })}\n`, { mode: 0o600 });
  return c;
}

export type CheckpointRead = { checkpoints: Checkpoint[]; problems: string[] };

/** Every checkpoint in the file; a line that is not a checkpoint signed with this key is a problem. */
export async function readCheckpoints(config: Config, key: Buffer): Promise<CheckpointRead> {
  const file = path.join(config.audit.checkpointDir, CHECKPOINT_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], problems: [] };
    throw err;
  }
  const checkpoints: Checkpoint[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let c: Partial<Checkpoint & { mac: string }>;
    try {
      c = JSON.parse(line) as Partial<Checkpoint & { mac: string }>;
    } catch {
      problems.push(`${file} line ${i + 1} is not a checkpoint`);
      return;
    }
    if (!Number.isSafeInteger(c.seq) || typeof c.head !== 'string' || typeof c.at !== 'string' || typeof c.mac !== 'string') {
      problems.push(`${file} line ${i + 1} is not a checkpoint`);
      return;
    }
    const cp: Checkpoint = { seq: c.seq!, head: c.head, at: c.at };
    const expected = Buffer.from(checkpointMac(key, cp), 'hex');
    const given = Buffer.from(c.mac, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      problems.push(`${file} line ${i + 1} is not signed with this hub's audit key`);
      return;
    }
    checkpoints.push(cp);
  });
  return { checkpoints, problems };
}
