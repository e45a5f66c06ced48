/**
 * True for a unique-constraint violation on PostgreSQL or SQLite, whether knex raised it (the
 * driver's error, with its `code`) or objection did: objection wraps the driver's error in its
 * own UniqueViolationError, which has no `code` and keeps the original in `nativeError`.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; nativeError?: { code?: unknown } } | null | undefined;
  const code = e?.code ?? e?.nativeError?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
