import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { ActivityEntry, JsonNode, Notebook } from '../api/types.ts';
import { notebookKeys, notebooksPath } from '../notebooks/notebook-queries.ts';
import { restoredFields } from './document-text.ts';

/** GET …/activity/: PostHog's activity page. */
export interface ActivityPage {
  results: ActivityEntry[];
  next: string | null;
  previous: string | null;
  total_count: number;
}

const PAGE_SIZE = 20;

export const historyKeys = {
  notebook: (projectId: string, shortId: string) => [...notebookKeys.all(projectId), 'history', shortId] as const,
  activity: (projectId: string, shortId: string) =>
    [...notebookKeys.all(projectId), 'history', shortId, 'activity'] as const,
};

const notebookPath = (projectId: string, shortId: string) =>
  `${notebooksPath(projectId)}${encodeURIComponent(shortId)}/`;

/** The notebook as it is now: its title, content and version. */
export function useHistoryNotebook(projectId: string, shortId: string) {
  return useQuery({
    queryKey: historyKeys.notebook(projectId, shortId),
    queryFn: ({ signal }) => api<Notebook>(notebookPath(projectId, shortId), { signal }),
  });
}

/** The notebook's activity, newest first, a page at a time. */
export function useNotebookActivity(projectId: string, shortId: string) {
  return useInfiniteQuery({
    queryKey: historyKeys.activity(projectId, shortId),
    queryFn: ({ pageParam, signal }) =>
      api<ActivityPage>(`${notebookPath(projectId, shortId)}activity/?limit=${PAGE_SIZE}&page=${pageParam}`, {
        signal,
      }),
    initialPageParam: 1,
    getNextPageParam: (last, _pages, page) => (last.next ? page + 1 : undefined),
  });
}

/**
 * Saves a past version as the notebook's newest: a normal update (`content`, `text_content`,
 * `title`) under the version the notebook has right now, so the activity log records it as one.
 */
export function useRestoreVersion(projectId: string, shortId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ content, title }: { content: JsonNode; title: string | null }) => {
      const current = await api<Notebook>(notebookPath(projectId, shortId));
      const fields = restoredFields(content);
      return api<Notebook>(notebookPath(projectId, shortId), {
        method: 'PATCH',
        body: { version: current.version, content, text_content: fields.text_content, title: fields.title ?? title },
      });
    },
    // Every cached view of the notebook (the editor's too) is out of date now.
    onSuccess: () => queryClient.invalidateQueries({ refetchType: 'none' }),
  });
}

/** Makes a new notebook from a past version (PostHog's "Create a copy"); this one is unchanged. */
export function useCopyVersion(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ content, title }: { content: JsonNode; title: string | null }) => {
      const fields = restoredFields(content);
      return api<Notebook>(notebooksPath(projectId), {
        method: 'POST',
        body: { content, text_content: fields.text_content, title: fields.title ?? title },
      });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notebookKeys.lists(projectId) }),
  });
}
