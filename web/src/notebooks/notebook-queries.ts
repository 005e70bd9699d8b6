import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { Member, Notebook, NotebookListItem, Paginated } from '../api/types.ts';
import { apiQuery, type ListFilters } from './list-filters.ts';

/** Query keys of the notebooks' server state, per project (TanStack Query's key-factory shape). */
export const notebookKeys = {
  all: (projectId: string) => ['notebooks', projectId] as const,
  lists: (projectId: string) => ['notebooks', projectId, 'list'] as const,
  list: (projectId: string, query: string) => ['notebooks', projectId, 'list', query] as const,
};

export const notebooksPath = (projectId: string) => `/api/projects/${encodeURIComponent(projectId)}/notebooks/`;

/** One page of the project's notebooks (or of its deleted ones) under the filters. */
export function useNotebookList(projectId: string, filters: ListFilters, options: { deleted?: boolean } = {}) {
  const query = apiQuery(filters, options);
  return useQuery({
    queryKey: notebookKeys.list(projectId, query),
    queryFn: ({ signal }) => api<Paginated<NotebookListItem>>(`${notebooksPath(projectId)}?${query}`, { signal }),
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
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notebookKeys.lists(projectId) }),
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
