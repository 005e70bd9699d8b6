import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.ts';
import type { NotebookListItem, Paginated } from '../api/types.ts';
import { Loading } from '../app/Loading.tsx';

/** The project's notebooks, newest first. */
export default function NotebooksListPage() {
  const { projectId } = useParams();
  const list = useQuery({
    queryKey: ['notebooks', projectId],
    queryFn: () => api<Paginated<NotebookListItem>>(`/api/projects/${projectId}/notebooks/`),
  });
  return (
    <main className="page">
      <h1>Notebooks</h1>
      {list.isPending ? (
        <Loading />
      ) : (
        <ul>
          {list.data?.results.map((notebook) => (
            <li key={notebook.short_id}>
              <Link to={`/project/${projectId}/notebooks/${notebook.short_id}`}>{notebook.title || 'Untitled'}</Link>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
