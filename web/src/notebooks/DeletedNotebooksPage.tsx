import { type ReactNode, useRef } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { errorMessage } from '../api/client.ts';
import type { NotebookListItem } from '../api/types.ts';
import { Loading } from '../app/Loading.tsx';
import { useToasts } from '../app/Toasts.tsx';
import { EmptyState } from './EmptyState.tsx';
import { DEFAULT_ORDER, offsetOfLink, useListFilters } from './list-filters.ts';
import { NotebookTable, notebookTitle, Pagination } from './NotebookTable.tsx';
import { useLiveNotebookLists, useNotebookList, useSetNotebookDeleted } from './notebook-queries.ts';
import './list.css';

/** The project's deleted notebooks (the API's `?deleted=true`), each with "Restore". */
export default function DeletedNotebooksPage() {
  const { projectId = '' } = useParams();
  const [filters, update] = useListFilters();
  // Most recently deleted first: deleting is the last modification.
  const list = useNotebookList(projectId, { ...filters, search: '', order: DEFAULT_ORDER }, { deleted: true });
  useLiveNotebookLists(projectId, list.data);
  const setDeleted = useSetNotebookDeleted(projectId);
  const toasts = useToasts();
  const navigate = useNavigate();

  const main = useRef<HTMLElement>(null);

  const restore = (notebook: NotebookListItem) => {
    // Keyboard focus moves to the next row's Restore (or the way back), not to <body>.
    const rows = list.data?.results ?? [];
    const index = rows.findIndex((item) => item.id === notebook.id);
    const neighbour = rows[index + 1] ?? rows[index - 1];
    const buttons = [...(main.current?.querySelectorAll<HTMLElement>('button[aria-label^="Restore "]') ?? [])];
    const target = neighbour ? buttons[rows.indexOf(neighbour)] : main.current?.querySelector<HTMLElement>('a');
    target?.focus();
    setDeleted.mutate(
      { notebook, deleted: false },
      {
        onSuccess: () =>
          toasts.show({
            tone: 'success',
            message: `“${notebookTitle(notebook)}” restored.`,
            action: {
              label: 'Open',
              onSelect: () => navigate(`/project/${projectId}/notebooks/${notebook.short_id}`),
            },
          }),
        onError: (error) => toasts.show({ tone: 'error', message: `Could not restore it: ${errorMessage(error)}` }),
      },
    );
  };

  const page = list.data;
  let body: ReactNode;
  if (list.isPending) {
    body = <Loading label="Loading deleted notebooks…" />;
  } else if (list.error && !page) {
    body = (
      <div className="list-error" role="alert">
        <p>{errorMessage(list.error)}</p>
        <button type="button" className="button" onClick={() => list.refetch()}>
          Try again
        </button>
      </div>
    );
  } else if (page && page.results.length === 0) {
    body = (
      <EmptyState title="No deleted notebooks">
        <p>Notebooks you delete wait here, so you can bring them back.</p>
      </EmptyState>
    );
  } else if (page) {
    body = (
      <NotebookTable
        projectId={projectId}
        notebooks={page.results}
        caption="Deleted notebooks"
        modifiedLabel="Deleted"
        linkTitles={false}
        busy={list.isPlaceholderData}
        action={(notebook) => (
          <button
            type="button"
            className="button"
            aria-label={`Restore ${notebookTitle(notebook)}`}
            onClick={() => restore(notebook)}
          >
            Restore
          </button>
        )}
      />
    );
  }

  return (
    <main className="page list-page" ref={main}>
      <header className="list-header">
        <div>
          <h1>Deleted notebooks</h1>
          <p className="list-subtitle">Restore a notebook to put it back in the list, as it was.</p>
        </div>
        <Link className="button" to={`/project/${projectId}/notebooks`}>
          ← All notebooks
        </Link>
      </header>
      {body}
      {page && (
        <Pagination
          count={page.count}
          offset={filters.offset}
          shown={page.results.length}
          previous={page.previous}
          next={page.next}
          onPage={(link) => update({ offset: offsetOfLink(link) })}
        />
      )}
    </main>
  );
}
