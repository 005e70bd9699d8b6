import { useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, errorMessage } from '../api/client.ts';
import { Loading } from '../app/Loading.tsx';
import { RelativeTime } from '../app/RelativeTime.tsx';
import { type HistoryItem, historyItems } from './activity-history.ts';
import { useCopyVersion, useHistoryNotebook, useNotebookActivity, useRestoreVersion } from './history-queries.ts';
import { VersionPreview } from './VersionPreview.tsx';
import './history.css';

const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** Equal JSON values, whatever their objects' key order (the activity log keeps jsonb's order). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every((key) => Object.hasOwn(right, key) && sameJson(left[key], right[key]))
  );
}

/** A notebook's activity: who changed what, when; a past version, read-only, to restore. */
export default function NotebookHistoryPage() {
  const { projectId = '', shortId = '' } = useParams();
  const navigate = useNavigate();
  const notebook = useHistoryNotebook(projectId, shortId);
  const activity = useNotebookActivity(projectId, shortId);
  const restore = useRestoreVersion(projectId, shortId);
  const copy = useCopyVersion(projectId);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const preview = useRef<HTMLElement>(null);
  const notebookPath = `/project/${projectId}/notebooks/${shortId}`;

  const entries = useMemo(() => activity.data?.pages.flatMap((page) => page.results) ?? [], [activity.data]);
  const items = useMemo(() => historyItems(entries, notebook.data), [entries, notebook.data]);
  const selected = items.find((item) => item.key === selectedKey) ?? null;
  const selectedIsCurrent =
    selected?.content && notebook.data ? sameJson(selected.content, notebook.data.content) : false;
  const title = notebook.data?.title || 'Untitled';

  function choose(item: HistoryItem) {
    setSelectedKey(item.key);
    restore.reset();
    copy.reset();
    // On a narrow screen the preview is below the list: bring it into view.
    if (window.matchMedia('(max-width: 900px)').matches) {
      requestAnimationFrame(() => preview.current?.scrollIntoView({ behavior: 'smooth', block: 'start' }));
    }
  }

  function restoreSelected() {
    if (!selected?.content) return;
    restore.mutate(
      { content: selected.content, title: selected.entry.detail.name ?? null },
      { onSuccess: () => navigate(notebookPath) },
    );
  }

  function copySelected() {
    if (!selected?.content) return;
    copy.mutate(
      { content: selected.content, title: selected.entry.detail.name ?? null },
      { onSuccess: (created) => navigate(`/project/${projectId}/notebooks/${created.short_id}`) },
    );
  }

  const failed = notebook.error ?? activity.error;
  return (
    <main className="page history-page">
      <div className="history-top">
        <Link to={notebookPath} className="button button-quiet history-back">
          <span aria-hidden="true">←</span> Back to notebook
        </Link>
      </div>
      <header className="history-header">
        <h1>History</h1>
        <p className="history-subtitle">{notebook.data ? title : '\u00a0'}</p>
      </header>
      {failed instanceof ApiError && failed.status === 404 ? (
        <div className="history-missing" role="alert">
          <p>This notebook does not exist, or it is deleted: a deleted notebook’s history shows once it is restored.</p>
          <p className="history-missing-links">
            <Link to={`/project/${projectId}/notebooks/deleted`}>Deleted notebooks</Link>
            {' · '}
            <Link to={`/project/${projectId}/notebooks`}>All notebooks</Link>
          </p>
        </div>
      ) : failed ? (
        <p className="form-error" role="alert">
          {errorMessage(failed)}
        </p>
      ) : activity.isPending ? (
        <Loading label="Loading history…" />
      ) : (
        <div className="history-layout">
          <section className="history-activity" aria-labelledby="history-activity-title">
            <h2 id="history-activity-title" className="history-section-title">
              Activity
              {activity.data && <span className="history-count">{activity.data.pages[0]?.total_count ?? 0}</span>}
            </h2>
            {items.length === 0 ? (
              <p className="history-none">No activity yet.</p>
            ) : (
              <ol className="activity-list">
                {items.map((item) => (
                  <ActivityRow
                    key={item.key}
                    item={item}
                    selected={item.key === selectedKey}
                    onChoose={() => choose(item)}
                  />
                ))}
              </ol>
            )}
            {activity.hasNextPage && (
              <button
                type="button"
                className="button history-more"
                onClick={() => void activity.fetchNextPage()}
                disabled={activity.isFetchingNextPage}
              >
                {activity.isFetchingNextPage ? 'Loading…' : 'Show older activity'}
              </button>
            )}
          </section>
          <section className="history-preview" ref={preview} aria-labelledby="history-preview-title">
            {selected?.content ? (
              <>
                <div className="preview-header">
                  <div className="preview-heading">
                    <h2 id="history-preview-title" className="history-section-title">
                      {selected.version === null ? 'Version' : `Version ${selected.version}`}
                    </h2>
                    <p className="preview-meta">
                      {selected.who} {selected.what}, <RelativeTime iso={selected.entry.created_at} />
                    </p>
                  </div>
                  <div className="preview-actions">
                    <button
                      type="button"
                      className="button"
                      onClick={copySelected}
                      disabled={copy.isPending || restore.isPending}
                    >
                      {copy.isPending ? 'Copying…' : 'Create a copy'}
                    </button>
                    {selectedIsCurrent ? (
                      <span className="preview-current">This is the current version</span>
                    ) : (
                      <button
                        type="button"
                        className="button button-primary"
                        onClick={restoreSelected}
                        disabled={restore.isPending || copy.isPending}
                      >
                        {restore.isPending ? 'Restoring…' : 'Restore this version'}
                      </button>
                    )}
                  </div>
                </div>
                {(restore.error ?? copy.error) && (
                  <p className="form-error" role="alert">
                    {errorMessage(restore.error ?? copy.error)}
                  </p>
                )}
                <div className="preview-document">
                  <VersionPreview
                    projectId={projectId}
                    content={selected.content}
                    label={
                      selected.version === null
                        ? 'Content of this version (read-only)'
                        : `Content of version ${selected.version} (read-only)`
                    }
                  />
                </div>
              </>
            ) : (
              <div className="preview-empty">
                <h2 id="history-preview-title" className="history-section-title">
                  Preview
                </h2>
                <p>Choose a change to the content to see the notebook as it was then, and restore it if you need to.</p>
              </div>
            )}
          </section>
        </div>
      )}
    </main>
  );
}

function ActivityRow({ item, selected, onChoose }: { item: HistoryItem; selected: boolean; onChoose: () => void }) {
  const initial = (item.who.trim()[0] ?? '?').toUpperCase();
  const body = (
    <>
      <span className="activity-avatar" aria-hidden="true">
        {initial}
      </span>
      <span className="activity-text">
        <span className="activity-what">
          <strong>{item.who}</strong> {item.what}
        </span>
        <span className="activity-when">
          <RelativeTime iso={item.entry.created_at} />
          {item.version !== null && <span className="activity-version">Version {item.version}</span>}
        </span>
      </span>
    </>
  );
  return (
    <li className={`activity-item activity-${item.entry.activity}`}>
      {item.content ? (
        <button
          type="button"
          className="activity-choice"
          aria-pressed={selected}
          title={`Show this version (${exact.format(new Date(item.entry.created_at))})`}
          onClick={onChoose}
        >
          {body}
        </button>
      ) : (
        <div className="activity-static">{body}</div>
      )}
    </li>
  );
}
