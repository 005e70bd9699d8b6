import { sql, type Transaction } from 'kysely';
import { type Db, writeTransaction } from '../db/database.ts';
import type { Engine } from '../db/dialect.ts';
import { MIGRATIONS } from '../db/migrations/migration-list.ts';
import type { Database } from '../db/schema.ts';
import type { JsonValue } from '../json/json-value.ts';
import { notebookStorageFor } from '../notebooks/storage/notebook-storage.ts';
import { BackupFileError, type BackupHeader, parseBodyLine, parseHeader } from './backup-format.ts';
import { COPIED_TABLES, type CopiedTable, copiedTable } from './backup-tables.ts';
import { columnCodecs } from './column-codecs.ts';

export interface ImportOptions {
  /** Import into a database that already has rows, skipping every row whose key (or unique value) is there. */
  merge: boolean;
  /** Rows inserted per statement. */
  batchSize?: number;
  /** Called after every row read, with the table's name. */
  onRow?: (table: string) => void;
}

export interface TableOutcome {
  imported: number;
  skipped: number;
}

export interface ImportSummary {
  engine: Engine;
  source: Pick<BackupHeader, 'engine' | 'created_at' | 'project'>;
  tables: Record<string, TableOutcome>;
  /** The keys of the rows a merge skipped because the database had them (the first SKIPPED_LISTED of each table). */
  skipped: Record<string, string[]>;
  /** References to users the database does not have (a project export), set to null. */
  cleared_user_references: number;
}

/** A database that already has rows, imported into without `merge`. */
export class NotEmptyError extends Error {}

const DEFAULT_BATCH = 500;
/** A batch is written early once its values pass this many characters (notebook content is large). */
const BATCH_CHARACTERS = 8 * 1024 * 1024;
const SKIPPED_LISTED = 100;

interface PendingRow {
  line: number;
  values: Record<string, unknown>;
}

/**
 * Imports an export file, read a line at a time, in one transaction: a bad line or a row the
 * database refuses stops the import with its line number, and nothing is written. The derived
 * indexes (search, contains, counts) are rebuilt from the imported notebooks, and identity
 * sequences moved past the imported ids.
 */
export async function importDatabase(
  db: Db,
  lines: AsyncIterable<string>,
  options: ImportOptions,
): Promise<ImportSummary> {
  const iterator = lines[Symbol.asyncIterator]();
  let lineNumber = 0;
  const nextLine = async (): Promise<string | undefined> => {
    const next = await iterator.next();
    if (next.done) return undefined;
    lineNumber += 1;
    return next.value;
  };
  const header = parseHeader(await nextLine());
  const known = MIGRATIONS.map(([name]) => name);
  const unknown = header.migrations.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new BackupFileError(
      1,
      `written by a newer version (migrations ${unknown.join(', ')}): import it with that one`,
    );
  for (const name of header.tables)
    if (copiedTable(name) === undefined)
      throw new BackupFileError(1, `the table ${name} is not one this version imports`);

  const codecs = columnCodecs(db.dialect);
  const storage = notebookStorageFor(db.dialect.engine);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const tables: Record<string, TableOutcome> = Object.fromEntries(
    header.tables.map((name) => [name, { imported: 0, skipped: 0 }]),
  );
  const skipped: Record<string, string[]> = {};
  let cleared = 0;

  return writeTransaction(db, async (trx) => {
    if (!options.merge) {
      for (const table of COPIED_TABLES) {
        const row = await sql`select 1 as one from ${sql.table(table.name)} limit 1`.execute(trx);
        if (row.rows.length > 0)
          throw new NotEmptyError(
            `the database is not empty (${table.name} has rows): import into an empty database, or pass --merge to add only what it lacks`,
          );
      }
    }
    if (header.project !== null) {
      const project = await trx.selectFrom('projects').select('id').where('id', '=', header.project).executeTakeFirst();
      if (project === undefined)
        throw new BackupFileError(
          1,
          `the file holds project ${header.project}'s notebooks, and this database has no project ${header.project}`,
        );
    }
    const mark = await storage.bulkLoad.start(trx);

    /** Sets to null the references to users this database does not have. */
    const clearUnknownUsers = async (table: CopiedTable, rows: PendingRow[]) => {
      if (table.users === undefined) return;
      const columns = table.users;
      const ids = [
        ...new Set(rows.flatMap((row) => columns.map((column) => row.values[column]).filter((id) => id !== null))),
      ] as number[];
      if (ids.length === 0) return;
      const found = await trx.selectFrom('users').select('id').where('id', 'in', ids).execute();
      const present = new Set(found.map((user) => Number(user.id)));
      for (const row of rows)
        for (const column of columns) {
          const id = row.values[column];
          if (id !== null && !present.has(Number(id))) {
            row.values[column] = null;
            cleared += 1;
          }
        }
    };

    const keyOf = (table: CopiedTable, values: Record<string, unknown>) =>
      table.key.map((column) => String(values[column]).toLowerCase()).join('/');

    const insert = async (table: CopiedTable, rows: PendingRow[]) => {
      const columns = Object.keys(table.columns);
      const values = rows.map((row) => sql`(${sql.join(columns.map((column) => row.values[column]))})`);
      const query = sql<Record<string, unknown>>`insert into ${sql.table(table.name)}
        (${sql.join(columns.map((column) => sql.ref(column)))}) values ${sql.join(values)}
        ${options.merge ? sql`on conflict do nothing returning ${sql.join(table.key.map((column) => sql.ref(column)))}` : sql``}`;
      const result = await query.execute(trx);
      if (!options.merge) return rows.length;
      const inserted = new Set(result.rows.map((row) => keyOf(table, row)));
      for (const row of rows) {
        const key = keyOf(table, row.values);
        if (inserted.has(key)) continue;
        tables[table.name].skipped += 1;
        skipped[table.name] ??= [];
        if (skipped[table.name].length < SKIPPED_LISTED) skipped[table.name].push(key);
      }
      return inserted.size;
    };

    /** Writes a batch; when the database refuses it, finds the row it refuses and names its line. */
    const flush = async (table: CopiedTable, rows: PendingRow[]) => {
      if (rows.length === 0) return;
      await clearUnknownUsers(table, rows);
      await sql`savepoint import_batch`.execute(trx);
      try {
        tables[table.name].imported += await insert(table, rows);
        await sql`release import_batch`.execute(trx);
        return;
      } catch (error) {
        await sql`rollback to import_batch`.execute(trx);
        await sql`release import_batch`.execute(trx);
        if (rows.length === 1) throw new BackupFileError(rows[0].line, `${table.name}: ${(error as Error).message}`);
      }
      for (const row of rows) await flush(table, [row]);
    };

    let pending: { table: CopiedTable; rows: PendingRow[]; characters: number } | undefined;
    const read: Record<string, number> = Object.fromEntries(header.tables.map((name) => [name, 0]));
    let end: Record<string, number> | undefined;
    for (let text = await nextLine(); text !== undefined; text = await nextLine()) {
      if (end !== undefined) throw new BackupFileError(lineNumber, 'a line after the last line (the row counts)');
      if (text === '') throw new BackupFileError(lineNumber, 'an empty line');
      const parsed = parseBodyLine(text, lineNumber);
      if (parsed.kind === 'end') {
        end = parsed.counts;
        continue;
      }
      const table = copiedTable(parsed.table);
      if (table === undefined || !header.tables.includes(parsed.table))
        throw new BackupFileError(lineNumber, `a row of ${parsed.table}, a table the header does not list`);
      const values = decodeRow(table, parsed.row, lineNumber, codecs);
      if (header.project !== null && table.project !== undefined && values[table.project] !== header.project)
        throw new BackupFileError(lineNumber, `a row of another project than the file's (${header.project})`);
      read[table.name] += 1;
      options.onRow?.(table.name);
      if (pending !== undefined && (pending.table !== table || pending.rows.length >= batchSize)) {
        await flush(pending.table, pending.rows);
        pending = undefined;
      }
      pending ??= { table, rows: [], characters: 0 };
      pending.rows.push({ line: lineNumber, values });
      pending.characters += text.length;
      if (pending.characters >= BATCH_CHARACTERS) {
        await flush(pending.table, pending.rows);
        pending = undefined;
      }
    }
    if (pending !== undefined) await flush(pending.table, pending.rows);
    if (end === undefined)
      throw new BackupFileError(
        lineNumber + 1,
        'the file ends before its last line (the row counts): it was cut short',
      );
    for (const name of header.tables)
      if ((end[name] ?? 0) !== read[name])
        throw new BackupFileError(
          lineNumber,
          `the last line counts ${end[name] ?? 0} rows of ${name}, the file has ${read[name]}`,
        );

    if ((tables.notebooks?.imported ?? 0) > 0) {
      await storage.bulkLoad.finish(trx, mark);
      await recountListedNotebooks(trx, options.merge);
    }
    for (const table of COPIED_TABLES)
      if (table.identity && (tables[table.name]?.imported ?? 0) > 0) await db.dialect.syncIdentity(trx, table.name);
    return {
      engine: db.dialect.engine,
      source: { engine: header.engine, created_at: header.created_at, project: header.project },
      tables,
      skipped,
      cleared_user_references: cleared,
    };
  });
}

/** A row of the file as the parameters to insert: every column of its table, each of its kind. */
function decodeRow(
  table: CopiedTable,
  row: Record<string, JsonValue>,
  line: number,
  codecs: ReturnType<typeof columnCodecs>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const column of Object.keys(row))
    if (!(column in table.columns)) throw new BackupFileError(line, `${table.name} has no column ${column}`);
  for (const [column, kind] of Object.entries(table.columns)) {
    if (!(column in row)) throw new BackupFileError(line, `the ${table.name} row has no ${column}`);
    try {
      values[column] = codecs[kind].write(row[column]);
    } catch (error) {
      throw new BackupFileError(line, `${table.name}.${column}: ${(error as Error).message}`);
    }
  }
  return values;
}

/**
 * notebook_counts' listed counts again, from the notebooks themselves; a project the file gave
 * notebooks but no counts row starts its change count at its notebooks' latest. A merge into a
 * database a server may be serving moves every project's change count once, so that cached
 * pages and list ETags are read again, and a change stream resuming across it is told to reset.
 */
async function recountListedNotebooks(trx: Transaction<Database>, merge: boolean): Promise<void> {
  await sql`insert into notebook_counts (team_id, visible, changes)
    select team_id, 0, max(change_seq) from notebooks as n
    where not exists (select 1 from notebook_counts as c where c.team_id = n.team_id) group by team_id`.execute(trx);
  await sql`update notebook_counts set changes = changes + ${merge ? 1 : 0}, visible = (select count(*) from notebooks as n
    where n.team_id = notebook_counts.team_id and n.deleted = ${false} and n.visibility = 'default')`.execute(trx);
}
