import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/infra/db.js';
import { createLogger } from '../src/infra/logger.js';
import { prepareDatabase } from '../src/deps.js';
import type { TestProject } from 'vitest/node';
import { databaseUrl, withAdmin } from './db-admin.js';

/**
 * Migrates one template database per run; each test file copies it (CREATE DATABASE … TEMPLATE), which
 * takes milliseconds instead of a migration per file. Databases of runs whose process is gone are dropped.
 */
export default async function setup(project: TestProject) {
  const template = `estf_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname ~ '^estf_(tpl|t)_[0-9]+_'`);
    for (const { datname } of rows) {
      const pid = Number(datname.split('_')[2]);
      if (!isAlive(pid)) await c.query(`drop database if exists "${datname}" with (force)`);
    }
    await c.query(`create database "${template}"`);
  });
  const db = createDb(databaseUrl(template), { max: 2 });
  const config = loadConfig({ DATABASE_URL: databaseUrl(template), NODE_ENV: 'test', ESTF_DEMO: 'false' });
  await prepareDatabase(db, config, createLogger('silent'));
  await db.destroy();
  project.provide('templateDb', template);
  project.provide('runPid', process.pid);

  return async () => {
    await withAdmin(async (c) => {
      const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`estf_%_${process.pid}_%`]);
      for (const { datname } of rows) await c.query(`drop database if exists "${datname}" with (force)`);
    });
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
    runPid: number;
  }
}
