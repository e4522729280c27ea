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

/**
 * `estf <args>` (a server command: `work`, `serve`, `start`) in a child process, resolved once it says it is
 * ready; rejected with its stderr if it exits first. `track` collects children for a test's cleanup.
 */
export async function startEstfReady(
  args: string[],
  env: Record<string, string | undefined>,
  track?: Set<ChildProcess>,
  timeoutMs = 45_000,
): Promise<ChildProcess & { output: () => string }> {
  const child = spawnEstf(args, env);
  track?.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`estf ${args.join(' ')} exited with ${child.exitCode}: ${err}`);
    if (out.includes('ESTF Hub is ready')) break;
    if (Date.now() > end) throw new Error(`estf ${args.join(' ')} ready: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Object.assign(child, { output: () => err });
}

/** Stops a child with `signal` (SIGKILL for a crash) and waits for it to exit. */
export async function stopEstf(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', track?: Set<ChildProcess>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await exited;
  }
  track?.delete(child);
}
