// What a driver's error means, told by its SQLSTATE, so that callers need not know the engine.

/** PostgreSQL's program_limit_exceeded: to_tsvector refuses over 1 MB of distinct words and positions. */
const PROGRAM_LIMIT_EXCEEDED = '54000';

/** Whether a write failed because the database cannot index that much text for search (PostgreSQL only). */
export function isTextTooLargeToIndex(error: unknown): boolean {
  return error !== null && typeof error === 'object' && (error as { code?: unknown }).code === PROGRAM_LIMIT_EXCEEDED;
}

/** PostgreSQL's undefined_table. */
const UNDEFINED_TABLE = '42P01';

/** Whether a query failed because a table it names does not exist (yet). */
export function isMissingTable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === UNDEFINED_TABLE || (typeof message === 'string' && message.startsWith('no such table'));
}

/** PostgreSQL's unique_violation; SQLite's SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY. */
const UNIQUE_VIOLATION = '23505';
const SQLITE_UNIQUE_CODES = new Set([2067, 1555]);

/** Whether a write failed because a row with the same unique value already exists (either engine). */
export function isUniqueViolation(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return code === UNIQUE_VIOLATION || (typeof errcode === 'number' && SQLITE_UNIQUE_CODES.has(errcode));
}

/**
 * Whether a write failed because another row of `table` holds the same value in `column`, where a
 * unique index covers that column alone (either engine). PostgreSQL names the table and the key's
 * columns ("Key (email_key)=(…) already exists."); SQLite names them in its message.
 */
export function isUniqueViolationOf(error: unknown, table: string, column: string): boolean {
  if (!isUniqueViolation(error)) return false;
  const violation = error as { code?: unknown; table?: unknown; detail?: unknown; message?: unknown };
  if (violation.code === UNIQUE_VIOLATION) {
    const { detail } = violation;
    return violation.table === table && typeof detail === 'string' && detail.startsWith(`Key (${column})=(`);
  }
  return violation.message === `UNIQUE constraint failed: ${table}.${column}`;
}
