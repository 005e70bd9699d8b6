import { StatementSync } from 'node:sqlite';
import pg from 'pg';

/** One statement as the driver was asked to run it. */
export interface SentStatement {
  text: string;
  values: unknown[];
}

/**
 * The statements the database is asked to run while `work` runs, on both drivers: observed at
 * node:sqlite's StatementSync and pg's Client.query, not replaced.
 */
export async function statementsDuring(work: () => Promise<unknown>): Promise<SentStatement[]> {
  const seen: SentStatement[] = [];
  const restore: Array<() => void> = [];
  for (const name of ['all', 'get', 'run', 'iterate'] as const) {
    const original = StatementSync.prototype[name] as (...args: unknown[]) => unknown;
    StatementSync.prototype[name] = function (this: StatementSync, ...args: unknown[]) {
      seen.push({ text: this.sourceSQL, values: args });
      return original.apply(this, args);
    } as never;
    restore.push(() => {
      StatementSync.prototype[name] = original as never;
    });
  }
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string; values?: unknown[] };
    if (typeof config === 'string') seen.push({ text: config, values: (args[1] as unknown[] | undefined) ?? [] });
    else seen.push({ text: config.text ?? '', values: config.values ?? [] });
    return query.apply(this, args);
  } as never;
  restore.push(() => {
    pg.Client.prototype.query = query as never;
  });
  try {
    await work();
  } finally {
    for (const undo of restore) undo();
  }
  return seen;
}
