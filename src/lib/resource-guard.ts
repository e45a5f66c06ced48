import type { Logger } from './log.js';

/** errno values of "too many open files" (per process) and "file table overflow" (system-wide). */
const EMFILE = 24;
const ENFILE = 23;

/**
 * Whether an error says the process or the system ran out of file descriptors. Node reports
 * these as `EMFILE`/`ENFILE` codes, or, from some libuv calls (os.networkInterfaces), as an
 * ERR_SYSTEM_ERROR whose `info.errno` is 24 with an "Unknown system error 24" message.
 */
export function isFdExhaustion(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; errno?: unknown; info?: { errno?: unknown }; message?: unknown };
  if (e.code === 'EMFILE' || e.code === 'ENFILE') return true;
  const errno = typeof e.info?.errno === 'number' ? e.info.errno : e.errno;
  if (errno === EMFILE || errno === ENFILE || errno === -EMFILE || errno === -ENFILE) return true;
  return typeof e.message === 'string' && /\b(EMFILE|ENFILE|system error 2[34]\b)/.test(e.message);
}

let guards = 0;
let lastLogged = 0;
let swallowed = 0;
let guardLogger: Logger | undefined;

function report(err: unknown): void {
  swallowed++;
  const now = Date.now();
  if (now - lastLogged < 1000) return;
  lastLogged = now;
  guardLogger?.warn({ err: { message: (err as Error).message, code: (err as { code?: unknown }).code }, swallowed }, 'out of file descriptors: the operation failed, nasd keeps running');
}

function onException(err: unknown): void {
  if (isFdExhaustion(err)) return report(err);
  if (process.listenerCount('uncaughtException') > 1) return;
  guardLogger?.fatal({ err }, 'uncaught exception');
  process.exit(1);
}

function onRejection(reason: unknown): void {
  if (isFdExhaustion(reason)) return report(reason);
  if (process.listenerCount('unhandledRejection') > 1) return;
  guardLogger?.fatal({ err: reason }, 'unhandled promise rejection');
  process.exit(1);
}

/**
 * Keeps the process alive through file-descriptor exhaustion raised where nasd cannot catch it
 * (a library that calls `os.networkInterfaces()` in a `process.nextTick`, an accept that fails).
 * Such an error is logged (at most once a second) and swallowed: the work that raised it failed,
 * and the code that started it recovers through its own timeout or retry. Any other uncaught
 * error keeps Node's behaviour — it ends the process — unless another listener (a test runner)
 * takes it. Installed once per process however many nasd instances run; returns the function
 * that releases this caller's hold on it.
 */
export function installFdExhaustionGuard(logger: Logger): () => void {
  guardLogger = logger;
  if (guards++ === 0) {
    process.on('uncaughtException', onException);
    process.on('unhandledRejection', onRejection);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--guards === 0) {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    }
  };
}
