import { type KeyboardEvent, useState } from 'react';
import { ApiError, errorMessage } from '../api/client.ts';
import { signIn, useMe } from '../api/session.ts';

/** The API refused a sensitive action because the sign-in is older than two hours. */
export function needsReauth(error: unknown): boolean {
  return error instanceof ApiError && error.envelope.code === 'sensitive_action_required_reauth';
}

/**
 * Asks for the password again (a fresh sign-in) so that a sensitive action may go ahead; then
 * `onConfirmed` retries it. Not a <form>, so it can sit inside one.
 */
export function ReauthPrompt({ onConfirmed }: { onConfirmed: () => void }) {
  const me = useMe();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function confirm() {
    if (!me.data || password === '') return;
    setBusy(true);
    setError(null);
    try {
      await signIn(me.data.email, password);
      setPassword('');
      onConfirmed();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    void confirm();
  }

  return (
    <fieldset className="reauth">
      <legend className="reauth-text">This action needs a recent sign-in. Confirm your password to continue.</legend>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="reauth-row">
        <label className="field">
          <span>Your password</span>
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            onKeyDown={onKeyDown}
          />
        </label>
        <button
          type="button"
          className="button button-primary"
          disabled={busy || password === ''}
          onClick={() => void confirm()}
        >
          {busy ? 'Confirming…' : 'Confirm password'}
        </button>
      </div>
    </fieldset>
  );
}
