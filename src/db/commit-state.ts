import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.ts';

const unsupported = new Set<CompiledQuery>();

/** Runs an engine's commit-state query; null when it fails (the caller then caches nothing). */
export async function readCommitState(db: Kysely<Database>, query: CompiledQuery): Promise<string | null> {
  if (unsupported.has(query)) return null;
  try {
    const result = await db.executeQuery<{ state: unknown }>(query);
    const state = result.rows[0]?.state;
    return typeof state === 'string' ? state : null;
  } catch (error) {
    // An engine that speaks PostgreSQL's protocol without pg_current_snapshot (undefined_function):
    // nothing is cached from then on. Any other failure leaves this request uncached.
    if ((error as { code?: unknown } | null)?.code === '42883') unsupported.add(query);
    return null;
  }
}
