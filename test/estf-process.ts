import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testCheckpointDir } from './db-admin.js';

/**
 * Runs the real `estf` command (bin/estf.js) in a child process, as an operator would. The child gets a
 * clean environment: none of the hub's variables leak in from the test run (LOG_LEVEL stays unset, so
 * commands keep stdout for their answer), and callers pass DATABASE_URL explicitly so that no command
 * ever touches the embedded database under ./.data.
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ESTF_BIN = path.join(ROOT, 'bin/estf.js');

const HUB_VARIABLE = /^(DATABASE_URL|TEST_DATABASE_URL|REDIS_URL|PORT|HOST|PUBLIC_URL|LOG_LEVEL|NODE_ENV|GRAPHQL_|ESTF_|VITEST|TEST_)/;

export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !HUB_VARIABLE.test(k)));
  // Checkpoints of the test database's audit chain, not the ones under ./.data.
  return { ...base, NODE_ENV: 'test', ESTF_AUDIT_CHECKPOINT_DIR: testCheckpointDir(env.DATABASE_URL), ...env };
}

export interface EstfResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `estf <args>` to completion. */
export function runEstf(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<EstfResult> {
  return new Promise((resolve, reject) => {
    const child = spawnEstf(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`estf ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Starts `estf <args>` and leaves it running (serve, work). */
export function spawnEstf(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, [ESTF_BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}
