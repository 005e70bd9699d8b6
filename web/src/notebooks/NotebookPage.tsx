import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiError, errorMessage } from '../api/client.ts';
import { Loading } from '../app/Loading.tsx';
import { NotebookEditor } from '../editor/NotebookEditor.tsx';
import { readNotebook } from './notebook-prefetch.ts';

/** One notebook in the editor. */
export default function NotebookPage() {
  const { projectId = '', shortId = '' } = useParams();
  const notebook = useQuery({
    // Read fresh every time the page opens: the editor starts from the stored version.
    queryKey: ['notebook-editor', projectId, shortId],
    queryFn: () => readNotebook(projectId, shortId),
    gcTime: 0,
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });

  if (notebook.isPending) return <Loading label="Opening notebook…" />;
  if (notebook.error) {
    const missing = notebook.error instanceof ApiError && notebook.error.status === 404;
    return (
      <main className="page-message" role="alert">
        <h1>{missing ? 'Notebook not found' : 'The notebook could not load'}</h1>
        <p>{missing ? 'It may have been deleted, or the link is wrong.' : errorMessage(notebook.error)}</p>
        <Link className="button" to={`/project/${projectId}/notebooks`}>
          Back to notebooks
        </Link>
      </main>
    );
  }
  return <NotebookEditor key={notebook.data.short_id} notebook={notebook.data} projectId={projectId} />;
}
