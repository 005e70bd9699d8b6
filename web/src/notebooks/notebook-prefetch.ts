import { api } from '../api/client.ts';
import type { Notebook } from '../api/types.ts';
import { keepNumberText } from '../editor/number-text.ts';

/** The notebook's API path. */
export function notebookPath(projectId: string, shortId: string): string {
  return `/api/projects/${encodeURIComponent(projectId)}/notebooks/${encodeURIComponent(shortId)}/`;
}

const MAX_AGE_MS = 5_000;
let prefetched: { path: string; at: number; promise: Promise<Notebook> } | null = null;

/**
 * Starts reading a notebook while the editor's code is still loading (the route's loader calls
 * it), so opening a notebook waits for the slower of the two, not for both in turn.
 */
export function prefetchNotebook(projectId: string | undefined, shortId: string | undefined): void {
  if (!projectId || !shortId) return;
  const path = notebookPath(projectId, shortId);
  const promise = api<Notebook>(path, { reviver: keepNumberText });
  // A failure is reported by the page's own read.
  promise.catch(() => undefined);
  prefetched = { path, at: Date.now(), promise };
}

/** The notebook, from a recent prefetch of the same path (used once), or read now. */
export function readNotebook(projectId: string, shortId: string): Promise<Notebook> {
  const path = notebookPath(projectId, shortId);
  const recent = prefetched;
  prefetched = null;
  if (recent && recent.path === path && Date.now() - recent.at < MAX_AGE_MS) return recent.promise;
  return api<Notebook>(path, { reviver: keepNumberText });
}
