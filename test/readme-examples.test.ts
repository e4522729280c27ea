import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from './db-admin.js';
import { childEnv, ESTF_BIN, ROOT, spawnEstf } from './estf-process.js';
import { clearRedisPrefix, createTestDatabase, dropTestDatabase } from './harness.js';

/**
 * The README's examples run as written (issue 11, item 9: examples needed a duty that does not exist, an
 * ORG_ADMIN the demo did not have, the coordinator where the hub admin was needed, and ids shown as "…").
 * Every ```bash block that calls `gql` or issues a token runs, in README order, in one bash, against a
 * fresh demo hub (`estf start` with ESTF_DEMO) on a port of its own; `npx estf` is this checkout's
 * bin/estf.js. Every GraphQL answer is recorded by a wrapper around the README's own `gql` helper, and
 * must have no `errors` unless the example announces one (`EXPECT_ERROR=CODE gql …`).
 */

interface Block {
  line: number;
  text: string;
}

/** The ```bash blocks that talk to the hub, with their README line numbers. */
export function readmeBashBlocks(readme: string): Block[] {
  const lines = readme.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```bash') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    const text = lines.slice(start, end).join('\n');
    if (/(^|[\s;(])gql(\s|\(\))|npx estf token issue/m.test(text)) blocks.push({ line: start + 1, text });
    i = end;
  }
  return blocks;
}

/** gql calls in a block (not the helper's definition): how many answers the log must hold at least. */
function gqlCalls(text: string): number {
  return (text.match(/(^|[\s;(])gql '/gm) ?? []).length;
}

// Wraps the README's own helper, once it is defined, to record each answer (and what it should be).
const WRAP = `
if declare -f gql >/dev/null && ! declare -f gql | grep -q __readme_gql; then
  eval "$(declare -f gql | sed '1s/^gql /__readme_gql /')"
  gql() {
    local out
    out=$(__readme_gql "$@")
    jq -nc --arg expect "\${EXPECT_ERROR:-}" --arg query "$1" --arg answer "$out" '{expect: $expect, query: $query, answer: $answer}' >> "$GQL_LOG"
    printf '%s\\n' "$out"
  }
fi
`;

describe('README examples', () => {
  let hub: ChildProcess;
  let port = 0;
  let database: { name: string; url: string };
  let dir: string;
  const prefix = `{estf-readme-${randomBytes(4).toString('hex')}}`;
  let hubOutput = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'estf-readme-'));
    hub = spawnEstf(['start'], { DATABASE_URL: database.url, REDIS_URL, PORT: '0', ESTF_DEMO: 'true', ESTF_QUEUE_PREFIX: prefix, ESTF_DATA_DIR: path.join(dir, '.data') });
    hub.stderr!.on('data', (d: Buffer) => (hubOutput += d.toString()));
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`estf start not ready within 120 s\n${hubOutput}`)), 120_000);
      hub.stdout!.on('data', (d: Buffer) => {
        hubOutput += d.toString();
        const m = /GraphQL: +http:\/\/[^:]+:(\d+)\/graphql/.exec(hubOutput);
        if (m && /^ {2}A token: /m.test(hubOutput)) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      hub.once('exit', (code) => reject(new Error(`estf start exited with ${code}\n${hubOutput}`)));
    });
  }, 150_000);
  afterAll(async () => {
    if (hub && hub.exitCode === null) {
      hub.kill('SIGTERM');
      await new Promise((r) => hub.once('exit', r));
    }
    await clearRedisPrefix(prefix);
    if (database) await dropTestDatabase(database.name);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every bash example that calls the hub runs as written, without a GraphQL error it does not announce', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const blocks = readmeBashBlocks(readme);
    expect(blocks.length).toBeGreaterThan(8);
    const log = path.join(dir, 'gql.log');
    const script = [
      'set -e -o pipefail',
      `estf() { "${process.execPath}" "${ESTF_BIN}" "$@"; }`,
      ...blocks.map((b) => `# README.md line ${b.line}\n${b.text.replaceAll('localhost:4000', `127.0.0.1:${port}`).replaceAll('npx estf ', 'estf ')}\n${WRAP}`),
    ].join('\n');
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const env = childEnv({ DATABASE_URL: database.url, REDIS_URL, ESTF_QUEUE_PREFIX: prefix, ESTF_DATA_DIR: path.join(dir, '.data'), GQL_LOG: log });
      const child = spawn('bash', ['-c', script], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.once('close', (code) => resolve({ code, out }));
    });
    expect(result.code, result.out.slice(-4000)).toBe(0);

    const answers = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { expect: string; query: string; answer: string });
    // Every call ran (the helper's definition is not a call).
    const calls = blocks.reduce((n, b) => n + gqlCalls(b.text), 0);
    expect(answers.length).toBeGreaterThanOrEqual(calls);
    for (const a of answers) {
      const body = JSON.parse(a.answer) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
      if (a.expect) {
        expect(body.errors?.map((e) => e.extensions?.code), a.query).toContain(a.expect);
      } else {
        expect(body.errors, `${a.query}\n→ ${a.answer}`).toBeUndefined();
        expect(body.data, a.query).toBeTruthy();
      }
    }
    // At least one example announces an error, and it was checked.
    expect(answers.some((a) => a.expect !== '')).toBe(true);
  }, 240_000);
});
