import type { Kysely } from 'kysely';
import type { Engine } from '../dialect.ts';
import { up as initial } from './0001-initial.ts';
import { up as postgresSearchVectors } from './0002-postgres-search-vectors.ts';
import { up as sqliteListLookups } from './0003-sqlite-list-lookups.ts';
import { up as postgresContentFactRows } from './0004-postgres-content-fact-rows.ts';
import { up as sqliteSearchScope } from './0005-sqlite-search-scope.ts';
import { up as sqliteFactCounts } from './0006-sqlite-fact-counts.ts';
import { up as sqliteRenderedListItems } from './0007-sqlite-rendered-list-items.ts';
import { up as sqliteSearchInListOrder } from './0008-sqlite-search-in-list-order.ts';
import { up as postgresSearchByProject } from './0009-postgres-search-by-project.ts';
import { up as notebookChanges } from './0010-notebook-changes.ts';
import { up as accountsSignIn } from './0011-accounts-sign-in.ts';
import { up as sqliteCheaperWrites } from './0012-sqlite-cheaper-writes.ts';
import { up as uniqueUserEmails } from './0013-unique-user-emails.ts';
import type { MigrationSteps } from './migration-steps.ts';

type Up = (db: Kysely<unknown>, engine: Engine, steps: MigrationSteps) => Promise<void>;

/** Every migration, in the order they apply; a new one is appended here. */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, up: Up]> = [
  ['0001-initial', initial],
  ['0002-postgres-search-vectors', postgresSearchVectors],
  ['0003-sqlite-list-lookups', sqliteListLookups],
  ['0004-postgres-content-fact-rows', postgresContentFactRows],
  ['0005-sqlite-search-scope', sqliteSearchScope],
  ['0006-sqlite-fact-counts', sqliteFactCounts],
  ['0007-sqlite-rendered-list-items', sqliteRenderedListItems],
  ['0008-sqlite-search-in-list-order', sqliteSearchInListOrder],
  ['0009-postgres-search-by-project', postgresSearchByProject],
  ['0010-notebook-changes', notebookChanges],
  ['0011-accounts-sign-in', accountsSignIn],
  ['0012-sqlite-cheaper-writes', sqliteCheaperWrites],
  ['0013-unique-user-emails', uniqueUserEmails],
];
