import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { NotebookListItem, UserBasic } from '../api/types.ts';
import { RelativeTime } from '../app/RelativeTime.tsx';
import type { ListOrder } from './list-filters.ts';

export const notebookTitle = (notebook: { title: string | null }) => notebook.title?.trim() || 'Untitled';

export const userName = (user: UserBasic | null) =>
  user ? [user.first_name, user.last_name].filter(Boolean).join(' ') || user.email : 'Unknown';

function UserLabel({ user }: { user: UserBasic | null }) {
  const name = userName(user);
  return (
    <span className="person" title={user?.email}>
      <span className="avatar" aria-hidden="true">
        {name.slice(0, 1).toUpperCase()}
      </span>
      <span className="person-name">{name}</span>
    </span>
  );
}

type SortField = 'title' | 'created_at' | 'last_modified_at';

interface SortProps {
  order: ListOrder;
  onOrder: (order: ListOrder) => void;
}

/** A column header that sorts by its field: dates newest first on the first click, titles A to Z. */
function SortableHeader({ field, label, sort }: { field: SortField; label: string; sort?: SortProps }) {
  if (!sort) return <th scope="col">{label}</th>;
  const current = sort.order === field ? 'ascending' : sort.order === `-${field}` ? 'descending' : undefined;
  const first: ListOrder = field === 'title' ? 'title' : (`-${field}` as ListOrder);
  const next: ListOrder =
    current === undefined ? first : current === 'ascending' ? (`-${field}` as ListOrder) : (field as ListOrder);
  return (
    <th scope="col" aria-sort={current ?? 'none'}>
      <button type="button" className="sort-button" onClick={() => sort.onOrder(next)}>
        {label}
        <span className="sort-arrow" aria-hidden="true">
          {current === 'ascending' ? '↑' : current === 'descending' ? '↓' : '↕'}
        </span>
      </button>
    </th>
  );
}

/**
 * Notebooks as a table (title, created by, created, last modified, an action); on a narrow
 * screen each row becomes a card (list.css).
 */
export function NotebookTable({
  projectId,
  notebooks,
  caption,
  sort,
  modifiedLabel = 'Last modified',
  linkTitles = true,
  action,
  busy = false,
}: {
  projectId: string;
  notebooks: NotebookListItem[];
  caption: string;
  sort?: SortProps;
  modifiedLabel?: string;
  linkTitles?: boolean;
  action: (notebook: NotebookListItem) => ReactNode;
  busy?: boolean;
}) {
  return (
    <table className={busy ? 'notebook-table is-busy' : 'notebook-table'} aria-busy={busy}>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <SortableHeader field="title" label="Title" sort={sort} />
          <th scope="col">Created by</th>
          <SortableHeader field="created_at" label="Created" sort={sort} />
          <SortableHeader field="last_modified_at" label={modifiedLabel} sort={sort} />
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {notebooks.map((notebook) => (
          <tr key={notebook.id}>
            <th scope="row" className="cell-title">
              {linkTitles ? (
                <Link to={`/project/${projectId}/notebooks/${notebook.short_id}`}>{notebookTitle(notebook)}</Link>
              ) : (
                <span>{notebookTitle(notebook)}</span>
              )}
            </th>
            <td className="cell-person" data-label="Created by">
              <UserLabel user={notebook.created_by} />
            </td>
            <td className="cell-date" data-label="Created">
              <RelativeTime iso={notebook.created_at} />
            </td>
            <td className="cell-date" data-label={modifiedLabel}>
              <RelativeTime iso={notebook.last_modified_at} />
            </td>
            <td className="cell-action">{action(notebook)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Previous / next through the API's own `previous` and `next` links. */
export function Pagination({
  count,
  offset,
  shown,
  previous,
  next,
  onPage,
}: {
  count: number | undefined;
  offset: number;
  shown: number;
  previous: string | null;
  next: string | null;
  onPage: (link: string) => void;
}) {
  if (previous === null && next === null) return null;
  return (
    <nav className="pagination" aria-label="Pages">
      <span className="pagination-status">
        {shown === 0 ? 'No notebooks here' : `${offset + 1}–${offset + shown}`}
        {count !== undefined && ` of ${count}`}
      </span>
      <button
        type="button"
        className="button"
        disabled={previous === null}
        onClick={() => previous && onPage(previous)}
      >
        ← Previous
      </button>
      <button type="button" className="button" disabled={next === null} onClick={() => next && onPage(next)}>
        Next →
      </button>
    </nav>
  );
}
