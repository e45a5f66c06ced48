/**
 * True for a unique-constraint violation on PostgreSQL or SQLite. knex rejects with the driver's
 * own error (it only prefixes the message with the statement), whose `code` says what failed.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
