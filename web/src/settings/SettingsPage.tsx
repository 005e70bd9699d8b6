import { signOut, useMe } from '../api/session.ts';
import { Loading } from '../app/Loading.tsx';
import { ApiKeysSection } from './ApiKeysSection.tsx';
import { PasswordSection } from './PasswordSection.tsx';
import { ProfileSection } from './ProfileSection.tsx';
import { SettingsSection } from './SettingsSection.tsx';
import './settings.css';

/** The user's profile, password, personal API keys, and sign-out. */
export default function SettingsPage() {
  const me = useMe();
  if (!me.data) return <Loading />;
  return (
    <main className="page settings-page">
      <header className="settings-header">
        <h1>Settings</h1>
        <p className="muted">
          Signed in as <strong>{me.data.email}</strong>
          {me.data.organization && <> in {me.data.organization.name}</>}.
        </p>
      </header>
      <nav className="settings-nav" aria-label="Settings sections">
        <a href="#profile">Profile</a>
        <a href="#password">Password</a>
        <a href="#api-keys">API keys</a>
        <a href="#session">Sign out</a>
      </nav>
      <ProfileSection key={me.data.id} me={me.data} />
      <PasswordSection />
      <ApiKeysSection />
      <SettingsSection id="session" title="Sign out" description="Ends your session in this browser.">
        <div className="form-actions">
          <button type="button" className="button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </SettingsSection>
    </main>
  );
}
