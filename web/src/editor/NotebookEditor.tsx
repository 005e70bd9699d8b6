import { useQueryClient } from '@tanstack/react-query';
import type { Node as PmNode } from '@tiptap/pm/model';
import { EditorContent, useEditor } from '@tiptap/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useBlocker, useNavigate } from 'react-router';
import { api, errorMessage } from '../api/client.ts';
import type { Notebook } from '../api/types.ts';
import { useToasts } from '../app/Toasts.tsx';
import { EditorToolbar, type UrlRequest } from './EditorToolbar.tsx';
import { editorExtensions } from './editor-extensions.ts';
import { editorDocumentFor, loadableDocument, NotebookDocument, titleOf, titleOfJson } from './notebook-document.ts';
import { NotebookSaver, type SaveStatus } from './notebook-saver.ts';
import { keepNumberText } from './number-text.ts';
import { SlashMenuList } from './SlashMenuList.tsx';
import { runSlashItem, type SlashItem, type SlashState } from './slash-menu.ts';
import './editor.css';

function statusText(status: SaveStatus): string {
  switch (status.kind) {
    case 'saved':
      return 'Saved';
    case 'pending':
    case 'saving':
      return 'Saving…';
    case 'retrying':
      return `Not saved: ${status.message} Retrying…`;
    case 'conflict':
      return 'Not saved: someone else edited the Notebook';
    case 'error':
      return `Not saved: ${status.message}`;
  }
}

interface NotebookEditorProps {
  notebook: Notebook;
  projectId: string;
}

/** One notebook: the header (title, save state, history, delete) and the TipTap editor. */
export function NotebookEditor({ notebook, projectId }: NotebookEditorProps) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const toasts = useToasts();
  const path = `/api/projects/${encodeURIComponent(projectId)}/notebooks/${encodeURIComponent(notebook.short_id)}/`;
  const [status, setStatus] = useState<SaveStatus>({ kind: 'saved' });
  const initialContent = useMemo(() => editorDocumentFor(notebook.content, notebook.title), [notebook]);
  const [title, setTitle] = useState<string | null>(() => titleOfJson(initialContent));
  const [urlRequest, setUrlRequest] = useState<UrlRequest>(null);
  const [unsavedCopy, setUnsavedCopy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const chooseRef = useRef<(item: SlashItem, state: SlashState) => void>(() => undefined);
  const latestDoc = useRef<PmNode | null>(null);
  const documentRef = useRef<NotebookDocument | null>(null);
  const saverRef = useRef<NotebookSaver | null>(null);

  const extensions = useMemo(
    () => editorExtensions({ projectId, onSlashChoose: (item, state) => chooseRef.current(item, state) }),
    [projectId],
  );

  const editor = useEditor(
    {
      extensions,
      content: initialContent,
      injectCSS: false,
      immediatelyRender: true,
      shouldRerenderOnTransaction: false,
      editorProps: {
        attributes: {
          class: 'notebook-prose',
          role: 'textbox',
          'aria-multiline': 'true',
          'aria-label': 'Notebook content',
          spellcheck: 'true',
        },
      },
      onCreate: ({ editor: created }) => {
        latestDoc.current = created.state.doc;
        // TipTap opens an empty document when it cannot read the content: never edit (and save) that.
        const problem = loadableDocument(created.schema, initialContent);
        if (problem !== null) {
          created.setEditable(false);
          setLoadError(problem);
          return;
        }
        // The browser tests measure the time to an editable notebook from this mark.
        performance.mark('notebook-editable');
        // What a save needs of the stored document is indexed once the page is idle.
        const index = () => {
          documentRef.current ??= new NotebookDocument(created.schema, notebook.content);
        };
        if ('requestIdleCallback' in window) requestIdleCallback(index, { timeout: 500 });
        else setTimeout(index, 50);
      },
      onUpdate: ({ editor: updated }) => {
        latestDoc.current = updated.state.doc;
        setTitle(titleOf(updated.state.doc));
        saverRef.current?.changed();
      },
    },
    [],
  );

  chooseRef.current = (item, state) => runSlashItem(editor, item, state, (kind) => setUrlRequest({ kind }));

  useEffect(() => {
    const saver = new NotebookSaver({
      path,
      version: notebook.version,
      snapshot: () => {
        const doc = latestDoc.current;
        if (!doc) throw new Error('the editor is not ready');
        documentRef.current ??= new NotebookDocument(editor.schema, notebook.content);
        return documentRef.current.snapshot(doc);
      },
      onStatus: setStatus,
    });
    saverRef.current = saver;
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        void saver.saveNow();
      }
    };
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!saver.dirty) return;
      event.preventDefault();
      event.returnValue = '';
    };
    const onHidden = () => {
      if (document.visibilityState === 'hidden') saver.flushOnLeave();
    };
    const onPageHide = () => saver.flushOnLeave();
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('pagehide', onPageHide);
    document.addEventListener('visibilitychange', onHidden);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('pagehide', onPageHide);
      document.removeEventListener('visibilitychange', onHidden);
      // Leaving the page in the app: what is unsaved is saved, then the saver ends.
      void saver.saveNow().finally(() => {
        saver.stop();
        void queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'notebook-editor' });
      });
    };
  }, [path, notebook.version, notebook.content, editor, queryClient]);

  useEffect(() => {
    const before = document.title;
    document.title = `${title || 'Untitled'} · Notebooks`;
    return () => {
      document.title = before;
    };
  }, [title]);

  const loadTheirs = async () => {
    setBusy(true);
    setActionError(null);
    try {
      const theirs = await api<Notebook>(path, { reviver: keepNumberText });
      setUnsavedCopy(editor.getText({ blockSeparator: '\n' }));
      documentRef.current = new NotebookDocument(editor.schema, theirs.content);
      editor.commands.setContent(editorDocumentFor(theirs.content, theirs.title), { emitUpdate: false });
      latestDoc.current = editor.state.doc;
      setTitle(titleOf(editor.state.doc));
      saverRef.current?.loadedTheirs(theirs);
    } catch (error) {
      setActionError(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const keepMine = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await saverRef.current?.keepMine();
    } catch (error) {
      setActionError(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const deleteNotebook = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await api<Notebook>(path, { method: 'PATCH', body: { deleted: true } });
      saverRef.current?.stop();
      await queryClient.invalidateQueries();
      const listPath = `/project/${projectId}/notebooks`;
      navigate(listPath);
      toasts.show({
        message: `“${title || 'Untitled'}” was deleted.`,
        tone: 'success',
        action: {
          label: 'Undo',
          onSelect: () => {
            api<Notebook>(path, { method: 'PATCH', body: { deleted: false } })
              .then(async () => {
                await queryClient.invalidateQueries();
                navigate(`${listPath}/${notebook.short_id}`);
              })
              .catch((error: unknown) => toasts.show({ message: errorMessage(error), tone: 'error' }));
          },
        },
      });
    } catch (error) {
      setActionError(errorMessage(error));
      setBusy(false);
    }
  };

  const failed = status.kind === 'retrying' || status.kind === 'error' || status.kind === 'conflict';
  // Leaving in the app saves what is pending; only edits that could not be saved ask first.
  const blocker = useBlocker(({ currentLocation, nextLocation }) => {
    const saver = saverRef.current;
    const stuck = saver?.status.kind === 'retrying' || saver?.status.kind === 'error' || saver?.inConflict === true;
    return Boolean(saver?.dirty && stuck && currentLocation.pathname !== nextLocation.pathname);
  });
  return (
    <main className="notebook-page">
      <div className="notebook-sticky">
        <header className="notebook-header">
          <nav className="notebook-breadcrumb" aria-label="Breadcrumb">
            <Link to={`/project/${projectId}/notebooks`}>Notebooks</Link>
            <span aria-hidden="true">/</span>
            <span className="notebook-breadcrumb-title" title={title || 'Untitled'}>
              {title || 'Untitled'}
            </span>
          </nav>
          <div className="notebook-actions">
            <span className={`save-state save-state-${status.kind}${failed ? ' is-failed' : ''}`} role="status">
              {statusText(status)}
            </span>
            <Link className="button button-quiet" to={`/project/${projectId}/notebooks/${notebook.short_id}/history`}>
              History
            </Link>
            <button
              type="button"
              className="button button-quiet button-danger"
              onClick={deleteNotebook}
              disabled={busy}
            >
              Delete
            </button>
          </div>
        </header>
        <EditorToolbar editor={editor} urlRequest={urlRequest} onUrlRequest={setUrlRequest} />
      </div>

      {status.kind === 'conflict' && (
        <section className="conflict" role="alert" aria-label="Conflict">
          <div>
            <h2>Someone else edited the Notebook</h2>
            <p>
              Your text is still here, but it is not saved. Load their version (your text is kept for copying) or keep
              yours and save it over theirs.
            </p>
          </div>
          <div className="conflict-actions">
            <button type="button" className="button" onClick={loadTheirs} disabled={busy}>
              Load their version
            </button>
            <button type="button" className="button button-primary" onClick={keepMine} disabled={busy}>
              Keep mine
            </button>
          </div>
        </section>
      )}
      {blocker.state === 'blocked' && (
        <section className="conflict" role="alertdialog" aria-label="Unsaved changes">
          <div>
            <h2>Your latest changes are not saved</h2>
            <p>If you leave now they are lost. Stay to let the save be retried, or copy your text first.</p>
          </div>
          <div className="conflict-actions">
            <button type="button" className="button button-primary" onClick={() => blocker.reset()}>
              Stay
            </button>
            <button type="button" className="button button-danger" onClick={() => blocker.proceed()}>
              Leave anyway
            </button>
          </div>
        </section>
      )}
      {loadError && (
        <p className="form-error" role="alert">
          This notebook's content cannot be opened in this editor ({loadError}). Nothing will be changed.
        </p>
      )}
      {actionError && (
        <p className="form-error" role="alert">
          {actionError}
        </p>
      )}
      {unsavedCopy !== null && (
        <section className="unsaved-copy" aria-label="Your unsaved version">
          <div className="unsaved-copy-head">
            <h2>Your unsaved version</h2>
            <button
              type="button"
              className="button"
              onClick={() => void navigator.clipboard?.writeText(unsavedCopy).catch(() => undefined)}
            >
              Copy
            </button>
            <button type="button" className="button button-quiet" onClick={() => setUnsavedCopy(null)}>
              Dismiss
            </button>
          </div>
          <textarea readOnly value={unsavedCopy} aria-label="Your unsaved text" rows={6} />
        </section>
      )}

      <div className="editor-frame">
        <EditorContent editor={editor} className="editor-content" />
        <SlashMenuList editor={editor} requestUrl={(kind) => setUrlRequest({ kind })} />
      </div>
    </main>
  );
}
