import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <main className="page-message">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link className="button" to="/">
        Go to your notebooks
      </Link>
    </main>
  );
}
