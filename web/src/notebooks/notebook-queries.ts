import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api } from '../api/client.ts';
import type { Member, Notebook, NotebookListItem, Paginated } from '../api/types.ts';
import { apiQuery, filtersFromParams, type ListFilters } from './list-filters.ts';

/** Query keys of the notebooks' server state, per project (TanStack Query's key-factory shape). */
export const notebookKeys = {
  all: (projectId: string) => ['notebooks', projectId] as const,
  lists: (projectId: string) => ['notebooks', projectId, 'list'] as const,
  list: (projectId: string, query: string) => ['notebooks', projectId, 'list', query] as const,
};

export const notebooksPath = (projectId: string) => `/api/projects/${encodeURIComponent(projectId)}/notebooks/`;

// Lists asked for as a navigation starts (the route's loader), before the page knows who is signed
// in: the page's query takes the answer instead of asking again. Unclaimed ones expire.
const EARLY_LIST_MS = 3000;
const earlyLists = new Map<string, { answer: Promise<NotebookListPage>; at: number }>();

const listPath = (projectId: string, query: string) => `${notebooksPath(projectId)}?${query}`;

/**
 * A page of the list, with what the change stream needs to follow it: the project, and the id
 * of the project's last write the page includes (the API's Notebooks-Last-Event-Id).
 */
export interface NotebookListPage extends Paginated<NotebookListItem> {
  projectId: string;
  lastEventId: string | undefined;
}

async function fetchListPage(projectId: string, path: string, signal?: AbortSignal): Promise<NotebookListPage> {
  let lastEventId: string | undefined;
  const page = await api<Paginated<NotebookListItem>>(path, {
    signal,
    onHeaders: (headers) => {
      lastEventId = headers.get('notebooks-last-event-id') ?? undefined;
    },
  });
  return { ...page, projectId, lastEventId };
}

/** Starts fetching the list a URL shows (the route's loader calls it), without waiting for it. */
export function prefetchNotebookList(projectId: string, pageParams: URLSearchParams): void {
  const path = listPath(projectId, apiQuery(filtersFromParams(pageParams)));
  const now = Date.now();
  for (const [key, entry] of earlyLists) if (now - entry.at > EARLY_LIST_MS) earlyLists.delete(key);
  if (earlyLists.has(path)) return;
  const answer = fetchListPage(projectId, path);
  answer.catch(() => undefined);
  earlyLists.set(path, { answer, at: now });
}

/** After a write, an unclaimed early answer is out of date. */
const forgetEarlyLists = () => earlyLists.clear();

/** One page of the project's notebooks (or of its deleted ones) under the filters. */
export function useNotebookList(projectId: string, filters: ListFilters, options: { deleted?: boolean } = {}) {
  const query = apiQuery(filters, options);
  return useQuery({
    queryKey: notebookKeys.list(projectId, query),
    queryFn: ({ signal }) => {
      const path = listPath(projectId, query);
      const early = earlyLists.get(path);
      earlyLists.delete(path);
      if (early && Date.now() - early.at <= EARLY_LIST_MS) return early.answer;
      return fetchListPage(projectId, path, signal);
    },
    // While a new filter loads, the previous rows stay (dimmed) instead of a blank page.
    placeholderData: keepPreviousData,
  });
}

/** The document a new notebook starts with: the empty title heading the editor fills in. */
export const NEW_NOTEBOOK_CONTENT = { type: 'doc', content: [{ type: 'heading', attrs: { level: 1 } }] };

export function useCreateNotebook(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api<Notebook>(notebooksPath(projectId), {
        method: 'POST',
        body: { content: NEW_NOTEBOOK_CONTENT, text_content: '' },
      }),
    onSuccess: () => {
      forgetEarlyLists();
      return queryClient.invalidateQueries({ queryKey: notebookKeys.lists(projectId) });
    },
  });
}

/**
 * Deletes (or restores) a notebook: `PATCH {deleted}`. No `version` is sent: without content the
 * API would store a sent version as is, and a stale one would undo someone's newer save's number.
 * The rows leave (or come back to) the cached lists at once and the lists are fetched again after.
 */
export function useSetNotebookDeleted(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ notebook, deleted }: { notebook: NotebookListItem; deleted: boolean }) =>
      api<Notebook>(`${notebooksPath(projectId)}${encodeURIComponent(notebook.short_id)}/`, {
        method: 'PATCH',
        body: { deleted },
      }),
    onMutate: async ({ notebook }) => {
      forgetEarlyLists();
      await queryClient.cancelQueries({ queryKey: notebookKeys.lists(projectId) });
      const previous = queryClient.getQueriesData<Paginated<NotebookListItem>>({
        queryKey: notebookKeys.lists(projectId),
      });
      queryClient.setQueriesData<Paginated<NotebookListItem>>({ queryKey: notebookKeys.lists(projectId) }, (page) =>
        page
          ? {
              ...page,
              count:
                page.count === undefined
                  ? undefined
                  : page.count - (page.results.some((n) => n.id === notebook.id) ? 1 : 0),
              results: page.results.filter((item) => item.id !== notebook.id),
            }
          : page,
      );
      return { previous };
    },
    onError: (_error, _variables, context) => {
      for (const [key, data] of context?.previous ?? []) queryClient.setQueryData(key, data);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: notebookKeys.all(projectId) }),
  });
}

/** The members of the organization that owns the project ("Created by" choices). */
export function useMembers(organizationId: string | undefined) {
  return useQuery({
    queryKey: ['members', organizationId],
    queryFn: () =>
      api<Paginated<Member>>(
        `/api/organizations/${encodeURIComponent(organizationId ?? '@current')}/members/?limit=500`,
      ),
    enabled: organizationId !== undefined,
    staleTime: 60_000,
  });
}

const LIVE_EVENTS = ['created', 'updated', 'deleted', 'restored', 'reset'] as const;

/**
 * Keeps the project's lists current while the page is open: the API's change stream
 * (`…/notebooks/events/`) names every write, and the lists are fetched again shortly after one
 * (a burst of writes costs one fetch). It opens once the page has its rows, so that it never
 * delays their first fetch, and resumes after the last write those rows include: a write made
 * between the rows' read and the stream's start is heard too. EventSource reconnects by itself,
 * resuming after the last id it received.
 */
export function useLiveNotebookLists(projectId: string, shown: NotebookListPage | undefined, delayMs = 400) {
  const queryClient = useQueryClient();
  // Rows kept on screen from another project (placeholder data) do not count.
  const page = shown?.projectId === projectId ? shown : undefined;
  // The first rows of this project say where its stream starts.
  const since = useRef<{ projectId: string; lastEventId: string | undefined } | undefined>(undefined);
  if (page !== undefined && since.current?.projectId !== projectId) {
    since.current = { projectId, lastEventId: page.lastEventId };
  }
  const ready = page !== undefined;
  useEffect(() => {
    if (!ready || typeof EventSource === 'undefined') return;
    const after = since.current?.projectId === projectId ? since.current.lastEventId : undefined;
    const query = after === undefined ? '' : `?since=${encodeURIComponent(after)}`;
    const source = new EventSource(`${notebooksPath(projectId)}events/${query}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        forgetEarlyLists();
        queryClient.invalidateQueries({ queryKey: notebookKeys.lists(projectId) });
      }, delayMs);
    };
    for (const type of LIVE_EVENTS) source.addEventListener(type, refresh);
    return () => {
      clearTimeout(timer);
      source.close();
    };
  }, [projectId, ready, queryClient, delayMs]);
}
