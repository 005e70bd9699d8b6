import { useParams } from 'react-router';

/** One notebook in the editor. */
export default function NotebookPage() {
  const { shortId } = useParams();
  return (
    <main className="page">
      <h1>Notebook {shortId}</h1>
    </main>
  );
}
