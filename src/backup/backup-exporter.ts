import { sql } from 'kysely';
import { appliedMigrations, type Db } from '../db/database.ts';
import type { Engine, Executor } from '../db/dialect.ts';
import { MIGRATIONS } from '../db/migrations/migration-list.ts';
import { type BackupRow, endLine, FORMAT_NAME, FORMAT_VERSION, headerLine, rowLine } from './backup-format.ts';
import type { ColumnKind } from './backup-tables.ts';
import { COPIED_TABLES, type CopiedTable } from './backup-tables.ts';
import { type ColumnCodec, columnCodecs } from './column-codecs.ts';

/** Where the lines go; resolves when the next line may be written (a full pipe or disk holds the export back). */
export type LineSink = (text: string) => Promise<void>;

export interface ExportOptions {
  /** Only this project's notebooks and activity. */
  project?: number;
  /** Rows read per query (the most held in memory at once). */
  batchSize?: number;
  /** Called after every row written, with the table's name. */
  onRow?: (table: string) => void;
}

export interface ExportSummary {
  engine: Engine;
  created_at: string;
  project: number | null;
  rows: Record<string, number>;
}

const DEFAULT_BATCH = 500;

/** Checks that the database has exactly the migrations this version knows: the columns the file describes. */
export function migrationsMismatch(applied: readonly string[]): string | undefined {
  const known = MIGRATIONS.map(([name]) => name);
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    return `the database has migrations this version does not know (${unknown.join(', ')}): use the version that applied them`;
  const pending = known.filter((name) => !applied.includes(name));
  if (pending.length > 0)
    return `the database lacks migrations (${pending.join(', ')}): run \`npx notebooks migrate\` first`;
  return undefined;
}

/**
 * Writes the whole database (or one project's notebooks and activity) as an export file, read in
 * one snapshot: what a running server writes meanwhile is either entirely in the file or not at all.
 */
export async function exportDatabase(db: Db, sink: LineSink, options: ExportOptions = {}): Promise<ExportSummary> {
  const codecs = columnCodecs(db.dialect);
  const { project } = options;
  const tables = project === undefined ? COPIED_TABLES : COPIED_TABLES.filter((table) => table.project !== undefined);
  return db.dialect.readSnapshot(db.kysely, async (trx) => {
    const createdAt = new Date().toISOString();
    const migrations = await appliedMigrations(trx);
    const mismatch = migrationsMismatch(migrations);
    if (mismatch !== undefined) throw new Error(mismatch);
    if (project !== undefined) {
      const found = await trx.selectFrom('projects').select('id').where('id', '=', project).executeTakeFirst();
      if (found === undefined) throw new Error(`project ${project} does not exist`);
    }
    await sink(
      headerLine({
        format: FORMAT_NAME,
        version: FORMAT_VERSION,
        engine: db.dialect.engine,
        created_at: createdAt,
        migrations,
        project: project ?? null,
        tables: tables.map((table) => table.name),
      }),
    );
    const rows: Record<string, number> = {};
    for (const table of tables) {
      rows[table.name] = 0;
      for await (const row of readTable(trx, table, codecs, project, options.batchSize ?? DEFAULT_BATCH)) {
        await sink(rowLine(table.name, row));
        rows[table.name] += 1;
        options.onRow?.(table.name);
      }
    }
    await sink(endLine(rows));
    return { engine: db.dialect.engine, created_at: createdAt, project: project ?? null, rows };
  });
}

/** A table's rows in primary-key order, a batch per query (keyset pagination: each query starts after the last key). */
async function* readTable(
  db: Executor,
  table: CopiedTable,
  codecs: Record<ColumnKind, ColumnCodec>,
  project: number | undefined,
  batchSize: number,
): AsyncGenerator<BackupRow> {
  const columns = Object.entries(table.columns);
  const select = sql.join(columns.map(([column, kind]) => sql`${codecs[kind].select(column)} as ${sql.ref(column)}`));
  const key = sql.join(table.key.map((column) => sql.ref(column)));
  let after: unknown[] | undefined;
  for (;;) {
    const conditions = [
      ...(project !== undefined && table.project !== undefined ? [sql`${sql.ref(table.project)} = ${project}`] : []),
      ...(after !== undefined ? [sql`(${key}) > (${sql.join(after)})`] : []),
    ];
    const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
    const result = await sql<Record<string, unknown>>`select ${select} from ${sql.table(table.name)} ${where}
      order by ${key} limit ${batchSize}`.execute(db);
    for (const raw of result.rows) {
      const row: BackupRow = {};
      for (const [column, kind] of columns) row[column] = codecs[kind].read(raw[column]);
      yield row;
    }
    if (result.rows.length < batchSize) return;
    const last = result.rows[result.rows.length - 1];
    after = table.key.map((column) => last[column]);
  }
}
