/** The project's deleted notebooks, to restore. */
export default function DeletedNotebooksPage() {
  return (
    <main className="page">
      <h1>Deleted notebooks</h1>
    </main>
  );
}
