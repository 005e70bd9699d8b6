import type { Kysely } from 'kysely';

/**
 * Data rebuilds that need today's code (the stemmer, say). A migration asks for one by name and
 * imports none of that code: the caller of `migrate` supplies them (services.ts).
 */
export interface MigrationSteps {
  /** Fills SQLite's notebook_search, which must exist and be empty, from the notebooks rows. */
  rebuildNotebookSearch(db: Kysely<unknown>): Promise<void>;
}
