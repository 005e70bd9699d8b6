import { type RawBuilder, sql } from 'kysely';
import type { Dialect } from '../db/dialect.ts';
import { hasNullCharacter } from '../http/null-characters.ts';
import type { JsonValue } from '../json/json-value.ts';
import { toJsonbOrder } from '../json/jsonb-text.ts';
import { notebookStorageFor } from '../notebooks/storage/notebook-storage.ts';
import type { ColumnKind } from './backup-tables.ts';

/** How one kind of column is selected, read into the file, and written back from it on one engine. */
export interface ColumnCodec {
  select(column: string): RawBuilder<unknown>;
  /** A value as the database returned it → its value in the file. */
  read(value: unknown): JsonValue;
  /** A value from the file → the parameter to insert; throws a message naming what was expected. */
  write(value: JsonValue): unknown;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;

function expected(what: string, value: JsonValue): never {
  throw new Error(`expected ${what}, got ${JSON.stringify(value)?.slice(0, 60)}`);
}

export function columnCodecs(dialect: Dialect): Record<ColumnKind, ColumnCodec> {
  const storage = notebookStorageFor(dialect.engine);
  const plain = (column: string) => sql`${sql.ref(column)}`;
  return {
    text: {
      select: plain,
      read: (value) => (value === null || value === undefined ? null : String(value)),
      write: (value) => (value === null || typeof value === 'string' ? value : expected('text or null', value)),
    },
    integer: {
      select: plain,
      read: (value) => (value === null || value === undefined ? null : Number(value)),
      write: (value) => (value === null || Number.isSafeInteger(value) ? value : expected('an integer or null', value)),
    },
    boolean: {
      select: plain,
      read: (value) => (value === null || value === undefined ? null : dialect.readBoolean(value as boolean | number)),
      write: (value) => (value === null || typeof value === 'boolean' ? value : expected('true, false or null', value)),
    },
    timestamp: {
      select: plain,
      read: (value) =>
        value === null || value === undefined ? null : dialect.readTimestamp(value as Date | string).toISOString(),
      write(value) {
        if (value === null) return null;
        const at = typeof value === 'string' && ISO_TIMESTAMP.test(value) ? new Date(value) : undefined;
        if (at === undefined || Number.isNaN(at.getTime())) return expected('an ISO 8601 UTC timestamp or null', value);
        return dialect.timestamp(at);
      },
    },
    json: {
      select: plain,
      // Keys in jsonb order, so that both engines write the same line for the same value.
      read: (value) => toJsonbOrder(dialect.readJson(value) ?? null),
      write: (value) => dialect.json(value),
    },
    content: {
      select: () => storage.contentColumn,
      read: (value) => storage.contentJsonbText(value),
      write(value) {
        if (value === null) return null;
        if (typeof value !== 'string') return expected('the content as JSON text, or null', value);
        let parsed: JsonValue;
        try {
          parsed = JSON.parse(value) as JsonValue;
        } catch {
          return expected('the content as JSON text', value);
        }
        // Neither engine answers with U+0000 in content (PostgreSQL cannot store it).
        if (hasNullCharacter(parsed)) throw new Error('the content holds the character U+0000');
        return storage.storeContent(value);
      },
    },
  };
}
