import { pino, destination, stdTimeFunctions, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stderr, so that commands like `estf token issue` keep stdout for their answer. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...base }, timestamp: stdTimeFunctions.isoTime }, destination(2));
}
