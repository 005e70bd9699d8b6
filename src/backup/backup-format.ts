import type { Engine } from '../db/dialect.ts';
import type { JsonValue } from '../json/json-value.ts';

// The export file: JSON lines (one JSON object per line, UTF-8, "\n" after each), written and
// read one line at a time so that neither side holds more than a batch of rows.
//   line 1      the header: the format and its version, the source engine, when the snapshot
//               was taken, the migrations applied to the source, the project of a project
//               export (else null), and the tables the file carries
//   then        one line per row: {"table": <name>, "row": {<column>: <value>, …}}, the tables in
//               the order of backup-tables.ts, each table's rows in primary-key order
//   last line   the trailer: {"end": {<table>: <rows>, …}}; a file without it was cut short

export const FORMAT_NAME = 'notebooks-export';
export const FORMAT_VERSION = 1;

export interface BackupHeader {
  format: typeof FORMAT_NAME;
  version: typeof FORMAT_VERSION;
  engine: Engine;
  /** When the snapshot was taken (ISO 8601 UTC). */
  created_at: string;
  migrations: string[];
  /** The project of `export --project N`; null for the whole database. */
  project: number | null;
  tables: string[];
}

export type BackupRow = Record<string, JsonValue>;

/** A line of the file, read: a row of a table, or the trailer. */
export type BackupLine =
  | { kind: 'row'; table: string; row: BackupRow }
  | { kind: 'end'; counts: Record<string, number> };

/** A file that cannot be imported, and where: 1-based line number. */
export class BackupFileError extends Error {
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

export function headerLine(header: BackupHeader): string {
  return `${JSON.stringify(header)}\n`;
}

export function rowLine(table: string, row: BackupRow): string {
  return `${JSON.stringify({ table, row })}\n`;
}

export function endLine(counts: Record<string, number>): string {
  return `${JSON.stringify({ end: counts })}\n`;
}

const ENGINES: readonly unknown[] = ['sqlite', 'postgres'] satisfies Engine[];
const isEngine = (value: unknown): value is Engine => ENGINES.includes(value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function parseLine(text: string, line: number): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BackupFileError(line, `not JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed)) throw new BackupFileError(line, 'not a JSON object');
  return parsed;
}

/** Line 1, checked: this format, a version this code reads, and the fields it needs. */
export function parseHeader(text: string | undefined): BackupHeader {
  if (text === undefined) throw new BackupFileError(1, 'the file is empty');
  const header = parseLine(text, 1);
  if (header.format !== FORMAT_NAME) throw new BackupFileError(1, `not a ${FORMAT_NAME} file (no "format" header)`);
  if (header.version !== FORMAT_VERSION)
    throw new BackupFileError(1, `format version ${String(header.version)}; this version reads ${FORMAT_VERSION}`);
  const { engine, created_at, migrations, project, tables } = header;
  if (!isEngine(engine)) throw new BackupFileError(1, 'the header names no engine');
  if (typeof created_at !== 'string') throw new BackupFileError(1, 'the header has no created_at');
  if (!Array.isArray(migrations) || !migrations.every((name) => typeof name === 'string'))
    throw new BackupFileError(1, 'the header has no list of migrations');
  if (project !== null && !Number.isSafeInteger(project))
    throw new BackupFileError(1, 'the header project is not an id');
  if (!Array.isArray(tables) || !tables.every((name) => typeof name === 'string'))
    throw new BackupFileError(1, 'the header has no list of tables');
  return {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    engine,
    created_at,
    migrations: migrations as string[],
    project: project as number | null,
    tables: tables as string[],
  };
}

/** A line after the header: a row or the trailer. */
export function parseBodyLine(text: string, line: number): BackupLine {
  const parsed = parseLine(text, line);
  if ('end' in parsed) {
    const counts = parsed.end;
    if (!isObject(counts) || !Object.values(counts).every((n) => Number.isSafeInteger(n)))
      throw new BackupFileError(line, 'the last line does not count the rows of each table');
    return { kind: 'end', counts: counts as Record<string, number> };
  }
  const { table, row } = parsed;
  if (typeof table !== 'string' || !isObject(row))
    throw new BackupFileError(line, 'not a row: expected {"table": …, "row": {…}}');
  return { kind: 'row', table, row: row as BackupRow };
}
