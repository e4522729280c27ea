import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';

/**
 * The audit chain's HMAC key. It lives outside PostgreSQL so that a database superuser who rewrites
 * entries cannot produce hashes that verify: ESTF_AUDIT_KEY when set, otherwise a random key generated
 * once into the data directory (mode 0600). Losing it makes the keyed entries unverifiable: back it up
 * with the checkpoints, apart from the database backups.
 *
 * One key per process, set where the process wires itself (deps.ts, the CLI): every entry is appended
 * through recordAudit deep inside a transaction, which has no config to read it from.
 */

let current: { source: string; key: Buffer } | null = null;

export function useAuditKey(config: Config): Buffer {
  const source = config.audit.key !== undefined ? `env:${config.audit.key}` : `file:${config.audit.keyFile}`;
  if (current?.source === source) return current.key;
  const key = config.audit.key !== undefined ? Buffer.from(config.audit.key, 'utf8') : readOrCreateKeyFile(config.audit.keyFile);
  current = { source, key };
  return key;
}

export function auditKey(): Buffer {
  if (!current) throw new Error('the audit key is not loaded (useAuditKey was not called at start)');
  return current.key;
}

function readOrCreateKeyFile(file: string): Buffer {
  const read = () => Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  // Written aside, then linked into place: link() fails when the name exists, so two processes starting
  // together keep the one key linked first, and nobody ever reads a half-written file.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(temp, { force: true });
  }
  const key = read();
  if (key.length < 32) throw new Error(`${file} does not hold an audit key (expected 32 bytes, base64url)`);
  return key;
}
