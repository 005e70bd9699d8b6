import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, errorMessage } from '../api/client.ts';
import type { NotebookListItem } from '../api/types.ts';
import { useProjects } from '../app/AppShell.tsx';
import { Loading } from '../app/Loading.tsx';
import { MenuButton } from '../app/MenuButton.tsx';
import { useToasts } from '../app/Toasts.tsx';
import { EmptyState } from './EmptyState.tsx';
import {
  CONTAINS_KINDS,
  type ContainsKind,
  isFiltered,
  type ListFilters,
  type ListOrder,
  ORDER_LABELS,
  ORDERS,
  offsetOfLink,
  useListFilters,
} from './list-filters.ts';
import { NotebookTable, notebookTitle, Pagination, userName } from './NotebookTable.tsx';
import {
  useCreateNotebook,
  useLiveNotebookLists,
  useMembers,
  useNotebookList,
  useSetNotebookDeleted,
} from './notebook-queries.ts';
import './list.css';

const SEARCH_DEBOUNCE_MS = 300;
const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** Ctrl+K (Cmd+K on a Mac) focuses the input, as PostHog's search boxes do. */
function useSearchShortcut(input: React.RefObject<HTMLInputElement | null>) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== 'k' || !(event.ctrlKey || event.metaKey) || event.altKey) return;
      event.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [input]);
}

/** The search box: the URL changes ~300 ms after typing stops; the URL changing (back) refills it. */
function SearchBox({ value, onSearch }: { value: string; onSearch: (search: string) => void }) {
  const [text, setText] = useState(value);
  const pushed = useRef(value);
  const input = useRef<HTMLInputElement>(null);
  useSearchShortcut(input);

  useEffect(() => {
    if (value === pushed.current) return;
    pushed.current = value;
    setText(value);
  }, [value]);

  useEffect(() => {
    if (text === pushed.current) return;
    const timer = setTimeout(() => {
      pushed.current = text;
      onSearch(text);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, onSearch]);

  return (
    <div className="search-box">
      <svg className="search-icon" viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
        <circle cx="8.5" cy="8.5" r="5.5" fill="none" stroke="currentColor" strokeWidth="2" />
        <path d="M13 13l4.5 4.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      </svg>
      <input
        ref={input}
        type="search"
        aria-label="Search for notebooks"
        placeholder="Search for notebooks"
        aria-keyshortcuts={isMac ? 'Meta+K' : 'Control+K'}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <span className="search-shortcut" aria-hidden="true">
        {isMac ? '⌘K' : 'Ctrl K'}
      </span>
    </div>
  );
}

function Filters({
  filters,
  update,
  organizationId,
}: {
  filters: ListFilters;
  update: (change: Partial<ListFilters>, replace?: boolean) => void;
  organizationId: string | undefined;
}) {
  const members = useMembers(organizationId);
  const onSearch = useCallback((search: string) => update({ search }, true), [update]);
  const people = members.data?.results ?? [];
  const knownCreator = filters.createdBy === '' || people.some((member) => member.user.uuid === filters.createdBy);
  return (
    <search className="list-filters" aria-label="Filter notebooks">
      <SearchBox value={filters.search} onSearch={onSearch} />
      <label className="filter">
        <span>Created by</span>
        <select value={filters.createdBy} onChange={(event) => update({ createdBy: event.target.value })}>
          <option value="">Anyone</option>
          {people.map((member) => (
            <option key={member.user.uuid} value={member.user.uuid}>
              {userName(member.user)}
            </option>
          ))}
          {!knownCreator && <option value={filters.createdBy}>Someone else</option>}
        </select>
      </label>
      <label className="filter">
        <span>Contains</span>
        <select
          value={filters.contains}
          onChange={(event) => update({ contains: event.target.value as ContainsKind | '' })}
        >
          <option value="">Anything</option>
          {CONTAINS_KINDS.map((kind) => (
            <option key={kind.value} value={kind.value}>
              {kind.label}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        <span>Sort by</span>
        <select value={filters.order} onChange={(event) => update({ order: event.target.value as ListOrder })}>
          {ORDERS.map((order) => (
            <option key={order} value={order}>
              {ORDER_LABELS[order]}
            </option>
          ))}
        </select>
      </label>
    </search>
  );
}

/** The project's notebooks: search, filters, sorting and pages, all kept in the URL. */
export default function NotebooksListPage() {
  const { projectId = '' } = useParams();
  const [filters, update] = useListFilters();
  const list = useNotebookList(projectId, filters);
  useLiveNotebookLists(projectId, list.data);
  const projects = useProjects();
  const organizationId = projects.isPending
    ? undefined
    : (projects.data?.results.find((project) => String(project.id) === projectId)?.organization ?? '@current');
  const create = useCreateNotebook(projectId);
  const setDeleted = useSetNotebookDeleted(projectId);
  const toasts = useToasts();
  const navigate = useNavigate();
  const shownMarked = useRef(false);

  // For the speed figure: when the first page of rows is on screen (read by the browser tests).
  useEffect(() => {
    if (shownMarked.current || !list.data || list.isPlaceholderData) return;
    shownMarked.current = true;
    performance.mark('notebooks-list-shown');
  }, [list.data, list.isPlaceholderData]);

  const newNotebook = () =>
    create.mutate(undefined, {
      onSuccess: (notebook) => navigate(`/project/${projectId}/notebooks/${notebook.short_id}`),
      onError: (error) =>
        toasts.show({ tone: 'error', message: `Could not create a notebook: ${errorMessage(error)}` }),
    });

  const main = useRef<HTMLElement>(null);

  // Keyboard focus stays in the list: on the next row's title (or the one before), not on <body>.
  const focusNeighbourOf = (notebook: NotebookListItem) => {
    const rows = list.data?.results ?? [];
    const index = rows.findIndex((item) => item.id === notebook.id);
    const neighbour = rows[index + 1] ?? rows[index - 1];
    const target = neighbour
      ? main.current?.querySelector<HTMLElement>(`a[href$="/notebooks/${CSS.escape(neighbour.short_id)}"]`)
      : main.current?.querySelector<HTMLElement>('input[type="search"]');
    target?.focus();
  };

  const remove = (notebook: NotebookListItem) => {
    focusNeighbourOf(notebook);
    setDeleted.mutate(
      { notebook, deleted: true },
      {
        onSuccess: () =>
          toasts.show({
            message: `“${notebookTitle(notebook)}” moved to deleted notebooks.`,
            action: {
              label: 'Undo',
              onSelect: () =>
                setDeleted.mutate(
                  { notebook, deleted: false },
                  {
                    onError: (error) =>
                      toasts.show({ tone: 'error', message: `Could not restore it: ${errorMessage(error)}` }),
                  },
                ),
            },
          }),
        onError: (error) => toasts.show({ tone: 'error', message: `Could not delete it: ${errorMessage(error)}` }),
      },
    );
  };

  const filtered = isFiltered(filters);
  const page = list.data;

  let body: ReactNode;
  if (list.isPending) {
    body = <Loading label="Loading notebooks…" />;
  } else if (list.error && !page) {
    const unreachable = list.error instanceof ApiError && (list.error.status === 403 || list.error.status === 404);
    body = (
      <div className="list-error" role="alert">
        <p>{unreachable ? 'This project does not exist, or you are not a member of it.' : errorMessage(list.error)}</p>
        {!unreachable && (
          <button type="button" className="button" onClick={() => list.refetch()}>
            Try again
          </button>
        )}
      </div>
    );
  } else if (page && page.results.length === 0 && filtered) {
    body = (
      <EmptyState title="No notebooks matching your filters!">
        <p>Try other words, or another person or content type.</p>
        <button type="button" className="button" onClick={() => update({ search: '', createdBy: '', contains: '' })}>
          Clear filters
        </button>
      </EmptyState>
    );
  } else if (page && page.results.length === 0 && filters.offset === 0) {
    body = (
      <EmptyState title="Write your first notebook">
        <p>
          Notebooks hold your team's analysis, notes and findings in documents everyone can search and share, here or
          through the API.
        </p>
        <button type="button" className="button button-primary" onClick={newNotebook} disabled={create.isPending}>
          New notebook
        </button>
      </EmptyState>
    );
  } else if (page && page.results.length === 0) {
    body = (
      <EmptyState title="Nothing on this page">
        <p>The list is shorter than this page: its notebooks were deleted or moved on.</p>
        <button type="button" className="button" onClick={() => update({ offset: 0 })}>
          Back to the first page
        </button>
      </EmptyState>
    );
  } else if (page) {
    body = (
      <NotebookTable
        projectId={projectId}
        notebooks={page.results}
        caption="Notebooks"
        busy={list.isPlaceholderData}
        sort={{ order: filters.order, onOrder: (order) => update({ order }) }}
        action={(notebook) => (
          <MenuButton
            label={`Actions for ${notebookTitle(notebook)}`}
            items={[{ label: 'Delete', tone: 'danger', onSelect: () => remove(notebook) }]}
          >
            <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
              <circle cx="4" cy="10" r="1.8" fill="currentColor" />
              <circle cx="10" cy="10" r="1.8" fill="currentColor" />
              <circle cx="16" cy="10" r="1.8" fill="currentColor" />
            </svg>
          </MenuButton>
        )}
      />
    );
  }

  return (
    <main className="page list-page" ref={main}>
      <header className="list-header">
        <h1>Notebooks</h1>
        <div className="list-header-actions">
          <Link className="button button-quiet" to={`/project/${projectId}/notebooks/deleted`}>
            Deleted notebooks
          </Link>
          <button type="button" className="button button-primary" onClick={newNotebook} disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'New notebook'}
          </button>
        </div>
      </header>
      <Filters filters={filters} update={update} organizationId={organizationId} />
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
