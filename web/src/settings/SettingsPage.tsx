/** The user's profile, password, personal API keys, and sign-out. */
export default function SettingsPage() {
  return (
    <main className="page">
      <h1>Settings</h1>
    </main>
  );
}
