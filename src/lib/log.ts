import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout (one line per event). */
export function createLogger(level: LevelWithSilent, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'nasd', ...bindings } });
}

/**
 * Whether an error answer is nasd's fault, logged at error level with its stack, rather than a
 * refusal of what the client asked (4xx, and 507: the client's quota or a full disk), logged at
 * info without a stack so that clients cannot fill the log with stack traces.
 */
export function isServerFault(status: number): boolean {
  return status >= 500 && status !== 507;
}

/** Log fields for a refused request: its status, error code and message, never a stack. */
export function refusalFields(status: number, err: unknown): { status: number; code?: string; reason?: string } {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return {
    status,
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.message === 'string' ? { reason: e.message } : {}),
  };
}
