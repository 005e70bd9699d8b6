import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { ApiError, api, errorMessage } from '../api/client.ts';
import { signIn, useMe } from '../api/session.ts';
import type { Me } from '../api/types.ts';
import { needsReauth } from './reauth.tsx';
import { SettingsSection } from './SettingsSection.tsx';

const MIN_LENGTH = 8;

interface PasswordChange {
  current_password: string;
  password: string;
}

/** A new password, given the current one; the API judges its strength and ends other sessions. */
export function PasswordSection() {
  const me = useMe();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: async (body: PasswordChange) => {
      const send = () => api<Me>('/api/users/@me/', { method: 'PATCH', body });
      try {
        return await send();
      } catch (error) {
        // The sign-in is older than the API allows for this: the current password signs in afresh.
        if (!needsReauth(error) || !me.data) throw error;
        await signIn(me.data.email, body.current_password);
        return send();
      }
    },
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setConfirm('');
    },
  });
  const field = change.error instanceof ApiError ? change.error.envelope.attr : null;
  const errorFor = (name: string) => (change.error && field === name ? errorMessage(change.error) : null);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate({ current_password: current, password: next });
  }

  return (
    <SettingsSection
      id="password"
      title="Password"
      description={`At least ${MIN_LENGTH} characters and hard to guess. Changing it signs you out everywhere else.`}
    >
      <form className="settings-form" onSubmit={submit}>
        <PasswordField
          label="Current password"
          autoComplete="current-password"
          value={current}
          onChange={setCurrent}
          error={errorFor('current_password')}
        />
        <PasswordField
          label="New password"
          autoComplete="new-password"
          value={next}
          onChange={setNext}
          error={errorFor('password')}
          minLength={MIN_LENGTH}
        />
        <PasswordField
          label="Confirm new password"
          autoComplete="new-password"
          value={confirm}
          onChange={setConfirm}
          error={mismatch ? 'The new passwords do not match.' : null}
        />
        {change.error && field !== 'password' && field !== 'current_password' && (
          <p className="form-error" role="alert">
            {errorMessage(change.error)}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={change.isPending}>
            {change.isPending ? 'Changing…' : 'Change password'}
          </button>
          <span className="form-status" role="status">
            {change.isSuccess && 'Password changed. Your other sessions were signed out.'}
          </span>
        </div>
      </form>
    </SettingsSection>
  );
}

function PasswordField({
  label,
  autoComplete,
  value,
  onChange,
  error,
  minLength,
}: {
  label: string;
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
  error: string | null;
  minLength?: number;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="password"
        autoComplete={autoComplete}
        required
        minLength={minLength}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
