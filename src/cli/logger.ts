import { pino, type Logger } from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** JSON lines on stderr, so stdout stays for what commands print. */
export function createLogger(level: string): Logger {
  if (!LEVELS.includes(level)) throw new Error(`log level must be one of ${LEVELS.join(', ')}, got "${level}"`);
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: false }));
}
