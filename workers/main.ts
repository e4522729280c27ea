import type { Config } from '../src/config.js';
import { startHub, type RunningHub } from '../src/hub.js';
import type { Logger } from '../src/infra/logger.js';

/**
 * A worker process (`estf work`), wired and nothing more: config → deps (the composition root, src/deps.ts)
 * → the worker runtime (src/worker/runtime.ts: relay, events worker, reconciler, schedules, watchdog,
 * heartbeats, checkpoints) → graceful close (`stop`). The runtime's logic and the modules' topic handlers
 * live in src/.
 */
export function startWorkerProcess(config: Config, logger: Logger): Promise<RunningHub> {
  return startHub(config, logger, { api: false, workers: true });
}
