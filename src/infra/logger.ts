import { pino, destination, stdTimeFunctions, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stderr, so that commands like `estf token issue` keep stdout for their answer. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...base }, timestamp: stdTimeFunctions.isoTime }, destination(2));
}

/**
 * At most one log line per key per `everyMs`: what a failure repeats (a Redis reconnect loop, a
 * receiver down for every page) is said once per period, with how many were left out meanwhile.
 * Returns the number suppressed since the last line (0 or more) when a line is due, null otherwise.
 */
export function createLogThrottle(everyMs: number, maxKeys = 10_000): (key: string) => number | null {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key) => {
    const now = Date.now();
    const seen = last.get(key);
    if (seen && now - seen.at < everyMs) {
      seen.suppressed++;
      return null;
    }
    if (!seen && last.size >= maxKeys) last.clear();
    last.set(key, { at: now, suppressed: 0 });
    return seen?.suppressed ?? 0;
  };
}
