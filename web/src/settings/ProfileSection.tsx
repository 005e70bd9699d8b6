import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import { meQueryKey } from '../api/session.ts';
import type { Me } from '../api/types.ts';
import { SettingsSection } from './SettingsSection.tsx';

const NAME_MAX = 150;

/** First and last name (PATCH /api/users/@me/); the header shows the first name. */
export function ProfileSection({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const [firstName, setFirstName] = useState(me.first_name);
  const [lastName, setLastName] = useState(me.last_name);
  const save = useMutation({
    mutationFn: (body: { first_name: string; last_name: string }) =>
      api<Me>('/api/users/@me/', { method: 'PATCH', body }),
    onSuccess: (updated) => {
      queryClient.setQueryData<Me>(meQueryKey, (old) => (old ? { ...old, ...updated } : updated));
      void queryClient.invalidateQueries({ queryKey: meQueryKey });
    },
  });
  const unchanged = firstName.trim() === me.first_name && lastName.trim() === me.last_name;

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ first_name: firstName.trim(), last_name: lastName.trim() });
  }

  return (
    <SettingsSection id="profile" title="Profile" description="Your name, as your colleagues see it on notebooks.">
      <form className="settings-form" onSubmit={submit}>
        <div className="field-row">
          <label className="field">
            <span>First name</span>
            <input
              value={firstName}
              onChange={(event) => setFirstName(event.target.value)}
              maxLength={NAME_MAX}
              autoComplete="given-name"
            />
          </label>
          <label className="field">
            <span>Last name</span>
            <input
              value={lastName}
              onChange={(event) => setLastName(event.target.value)}
              maxLength={NAME_MAX}
              autoComplete="family-name"
            />
          </label>
        </div>
        <div className="field">
          <span>Email</span>
          <span className="static-value">{me.email}</span>
        </div>
        {save.error && (
          <p className="form-error" role="alert">
            {errorMessage(save.error)}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={save.isPending || unchanged}>
            {save.isPending ? 'Saving…' : 'Save name'}
          </button>
          <span className="form-status" role="status">
            {save.isSuccess && unchanged && 'Name saved.'}
          </span>
        </div>
      </form>
    </SettingsSection>
  );
}
