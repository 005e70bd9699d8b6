import { type FormEvent, useId, useRef, useState } from 'react';
import { errorMessage } from '../api/client.ts';
import type { PersonalApiKey } from '../api/types.ts';
import { useProjects } from '../app/AppShell.tsx';
import { RelativeTime } from '../app/RelativeTime.tsx';
import { Dialog } from './Dialog.tsx';
import { type ProjectLimit, ProjectLimitPicker, scopedTeamsOf } from './ProjectLimitPicker.tsx';
import {
  useCreatePersonalApiKey,
  useDeletePersonalApiKey,
  usePersonalApiKeys,
  useRollPersonalApiKey,
  useUpdatePersonalApiKey,
} from './personal-api-keys.ts';
import { needsReauth, ReauthPrompt } from './reauth.tsx';
import { choiceOf, defaultScopeChoice, SCOPE_OBJECTS, ScopePicker, scopesOf } from './ScopePicker.tsx';
import { SettingsSection } from './SettingsSection.tsx';

const MAX_KEYS = 10;
const LABEL_MAX = 40;

type OpenDialog =
  | { kind: 'create' }
  | { kind: 'edit'; key: PersonalApiKey }
  | { kind: 'roll'; key: PersonalApiKey }
  | { kind: 'delete'; key: PersonalApiKey }
  | { kind: 'value'; key: PersonalApiKey; rolled: boolean };

/** The user's personal API keys: list, create (value shown once), roll, delete. */
export function ApiKeysSection() {
  const keys = usePersonalApiKeys();
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const close = () => setDialog(null);
  const list = keys.data ?? [];

  return (
    <SettingsSection
      id="api-keys"
      title="Personal API keys"
      description={
        <>
          Keys let scripts, agents and PostHog clients use the API as you: send one as{' '}
          <code>Authorization: Bearer phx_…</code>. A key can do only what its scopes allow. You can have up to{' '}
          {MAX_KEYS}.
        </>
      }
    >
      <div className="keys-toolbar">
        <p className="muted keys-count">
          {keys.isSuccess && (list.length === 0 ? 'No keys yet.' : `${list.length} of ${MAX_KEYS} keys`)}
        </p>
        <button
          type="button"
          className="button button-primary"
          onClick={() => setDialog({ kind: 'create' })}
          disabled={list.length >= MAX_KEYS}
        >
          Create personal API key
        </button>
      </div>
      {keys.isPending && <p className="muted">Loading keys…</p>}
      {keys.error && (
        <p className="form-error" role="alert">
          {errorMessage(keys.error)}
        </p>
      )}
      {list.length > 0 && (
        <ul className="key-list" aria-label="Personal API keys">
          {list.map((key) => (
            <KeyItem
              key={key.id}
              apiKey={key}
              onEdit={() => setDialog({ kind: 'edit', key })}
              onRoll={() => setDialog({ kind: 'roll', key })}
              onDelete={() => setDialog({ kind: 'delete', key })}
            />
          ))}
        </ul>
      )}
      {dialog?.kind === 'create' && (
        <KeyFormDialog onClose={close} onSaved={(key) => setDialog({ kind: 'value', key, rolled: false })} />
      )}
      {dialog?.kind === 'edit' && <KeyFormDialog apiKey={dialog.key} onClose={close} onSaved={close} />}
      {dialog?.kind === 'roll' && (
        <RollKeyDialog
          apiKey={dialog.key}
          onClose={close}
          onRolled={(key) => setDialog({ kind: 'value', key, rolled: true })}
        />
      )}
      {dialog?.kind === 'delete' && <DeleteKeyDialog apiKey={dialog.key} onClose={close} />}
      {dialog?.kind === 'value' && <KeyValueDialog apiKey={dialog.key} rolled={dialog.rolled} onClose={close} />}
    </SettingsSection>
  );
}

/** "notebook:write" → "Notebooks: write"; "*" → "All access". */
function scopeLabel(scope: string): string {
  if (scope === '*') return 'All access';
  const [object, access] = scope.split(':');
  const known = SCOPE_OBJECTS.find((entry) => entry.object === object);
  return `${known?.label ?? object}: ${access}`;
}

function KeyItem({
  apiKey,
  onEdit,
  onRoll,
  onDelete,
}: {
  apiKey: PersonalApiKey;
  onEdit: () => void;
  onRoll: () => void;
  onDelete: () => void;
}) {
  const titleId = useId();
  const projects = useProjects();
  const projectName = (id: number) =>
    projects.data?.results.find((project) => project.id === id)?.name ?? `Project ${id}`;
  return (
    <li className="key-item" aria-labelledby={titleId}>
      <div className="key-main">
        <h3 id={titleId} className="key-label">
          {apiKey.label}
        </h3>
        <code className="key-mask">
          <span className="visually-hidden">Masked value </span>
          {apiKey.mask_value}
        </code>
      </div>
      <ul className="scope-chips" aria-label="Scopes">
        {apiKey.scopes.map((scope) => (
          <li key={scope} className={scope === '*' ? 'scope-chip scope-chip-all' : 'scope-chip'}>
            {scopeLabel(scope)}
          </li>
        ))}
        {(apiKey.scoped_teams ?? []).map((id) => (
          <li key={`project-${id}`} className="scope-chip scope-chip-limit">
            Only {projectName(id)}
          </li>
        ))}
      </ul>
      <dl className="key-dates">
        <div>
          <dt>Created</dt>
          <dd>
            <RelativeTime iso={apiKey.created_at} />
          </dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd>{apiKey.last_used_at ? <RelativeTime iso={apiKey.last_used_at} /> : 'Never'}</dd>
        </div>
        {apiKey.last_rolled_at && (
          <div>
            <dt>Rolled</dt>
            <dd>
              <RelativeTime iso={apiKey.last_rolled_at} />
            </dd>
          </div>
        )}
      </dl>
      <div className="key-actions">
        <button type="button" className="button" onClick={onEdit} aria-label={`Edit key ${apiKey.label}`}>
          Edit
        </button>
        <button type="button" className="button" onClick={onRoll} aria-label={`Roll key ${apiKey.label}`}>
          Roll
        </button>
        <button
          type="button"
          className="button button-danger"
          onClick={onDelete}
          aria-label={`Delete key ${apiKey.label}`}
        >
          Delete
        </button>
      </div>
    </li>
  );
}

/** A new key (no `apiKey`), or an existing key's label, scopes and project limit. */
function KeyFormDialog({
  apiKey,
  onClose,
  onSaved,
}: {
  apiKey?: PersonalApiKey;
  onClose: () => void;
  onSaved: (key: PersonalApiKey) => void;
}) {
  const create = useCreatePersonalApiKey();
  const update = useUpdatePersonalApiKey();
  const save = apiKey ? update : create;
  const projects = useProjects();
  const [label, setLabel] = useState(apiKey?.label ?? '');
  const [choice, setChoice] = useState(() => (apiKey ? choiceOf(apiKey.scopes) : defaultScopeChoice()));
  const [limit, setLimit] = useState<ProjectLimit>(() => {
    const teams = apiKey?.scoped_teams ?? [];
    return { all: teams.length === 0, chosen: teams };
  });
  const scopes = scopesOf(choice);
  const limitIncomplete = !limit.all && limit.chosen.length === 0;

  function submit(event?: FormEvent) {
    event?.preventDefault();
    if (scopes.length === 0 || limitIncomplete) return;
    const fields = { label: label.trim(), scopes, scoped_teams: scopedTeamsOf(limit) };
    if (apiKey) update.mutate({ id: apiKey.id, changes: fields }, { onSuccess: onSaved });
    else create.mutate({ ...fields, scoped_organizations: [] }, { onSuccess: onSaved });
  }

  return (
    <Dialog title={apiKey ? `Edit “${apiKey.label}”` : 'Create a personal API key'} onClose={onClose}>
      <form className="dialog-body" onSubmit={submit}>
        <label className="field">
          <span>Label</span>
          <input
            value={label}
            onChange={(event) => setLabel(event.target.value)}
            maxLength={LABEL_MAX}
            required
            placeholder="e.g. Nightly export"
            autoComplete="off"
          />
        </label>
        <ScopePicker value={choice} onChange={setChoice} />
        {scopes.length === 0 && <p className="muted">Choose at least one scope.</p>}
        {((projects.data?.results.length ?? 0) > 1 || !limit.all) && (
          <ProjectLimitPicker projects={projects.data?.results ?? []} value={limit} onChange={setLimit} />
        )}
        {limitIncomplete && <p className="muted">Choose at least one project.</p>}
        {save.error &&
          (needsReauth(save.error) ? (
            <ReauthPrompt onConfirmed={() => submit()} />
          ) : (
            <p className="form-error" role="alert">
              {errorMessage(save.error)}
            </p>
          ))}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button-primary"
            disabled={save.isPending || scopes.length === 0 || limitIncomplete || label.trim() === ''}
          >
            {apiKey ? (save.isPending ? 'Saving…' : 'Save changes') : save.isPending ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RollKeyDialog({
  apiKey,
  onClose,
  onRolled,
}: {
  apiKey: PersonalApiKey;
  onClose: () => void;
  onRolled: (key: PersonalApiKey) => void;
}) {
  const roll = useRollPersonalApiKey();
  const go = () => roll.mutate(apiKey.id, { onSuccess: onRolled });
  return (
    <Dialog title={`Roll “${apiKey.label}”?`} onClose={onClose}>
      <div className="dialog-body">
        <p>
          The key gets a new value and <strong>{apiKey.mask_value}</strong> stops working at once. Scripts that use it
          will need the new value.
        </p>
        {roll.error &&
          (needsReauth(roll.error) ? (
            <ReauthPrompt onConfirmed={go} />
          ) : (
            <p className="form-error" role="alert">
              {errorMessage(roll.error)}
            </p>
          ))}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button button-primary" onClick={go} disabled={roll.isPending}>
            {roll.isPending ? 'Rolling…' : 'Roll key'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function DeleteKeyDialog({ apiKey, onClose }: { apiKey: PersonalApiKey; onClose: () => void }) {
  const remove = useDeletePersonalApiKey();
  const go = () => remove.mutate(apiKey.id, { onSuccess: onClose });
  return (
    <Dialog title={`Delete “${apiKey.label}”?`} onClose={onClose} tone="danger">
      <div className="dialog-body">
        <p>
          Scripts that use <strong>{apiKey.mask_value}</strong> will stop working. This cannot be undone.
        </p>
        {remove.error &&
          (needsReauth(remove.error) ? (
            <ReauthPrompt onConfirmed={go} />
          ) : (
            <p className="form-error" role="alert">
              {errorMessage(remove.error)}
            </p>
          ))}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button button-danger-solid" onClick={go} disabled={remove.isPending}>
            {remove.isPending ? 'Deleting…' : 'Delete key'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

/** The key's value, this once, with a way to copy it. */
function KeyValueDialog({ apiKey, rolled, onClose }: { apiKey: PersonalApiKey; rolled: boolean; onClose: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const value = apiKey.value ?? '';

  async function copyValue() {
    try {
      await navigator.clipboard.writeText(value);
      setCopy('copied');
    } catch {
      input.current?.select();
      setCopy('failed');
    }
  }

  return (
    <Dialog title={rolled ? `New value for “${apiKey.label}”` : `Key “${apiKey.label}” created`} onClose={onClose}>
      <div className="dialog-body">
        <p className="key-once">Copy the key now: it is shown only this once. Only a hash of it is stored.</p>
        <div className="key-value-row">
          <label className="field key-value-field">
            <span>Key value</span>
            <input
              ref={input}
              readOnly
              value={value}
              spellCheck={false}
              className="key-value"
              onFocus={(event) => event.target.select()}
            />
          </label>
          <button type="button" className="button button-primary" onClick={() => void copyValue()}>
            {copy === 'copied' ? 'Copied' : 'Copy'}
          </button>
        </div>
        <p className="muted" role="status">
          {copy === 'copied' && 'Copied to the clipboard.'}
          {copy === 'failed' && 'The browser would not copy: the value is selected, press Ctrl+C (⌘C).'}
        </p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
