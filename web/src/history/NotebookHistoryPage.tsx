import { useParams } from 'react-router';

/** A notebook's activity: who changed what, when; a past version, read-only, to restore. */
export default function NotebookHistoryPage() {
  const { shortId } = useParams();
  return (
    <main className="page">
      <h1>History of {shortId}</h1>
    </main>
  );
}
