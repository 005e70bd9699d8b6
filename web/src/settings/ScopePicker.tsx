import { useId } from 'react';

export type Access = 'none' | 'read' | 'write';

/** The scope objects this server's endpoints check (the API accepts PostHog's whole list). */
export const SCOPE_OBJECTS: ReadonlyArray<{ object: string; label: string; hint: string }> = [
  { object: 'notebook', label: 'Notebooks', hint: 'Read notebooks; write: create, edit and delete them.' },
  { object: 'activity_log', label: 'Activity log', hint: 'Read the history of notebooks.' },
  { object: 'project', label: 'Projects', hint: 'List projects; write: create and rename them.' },
  { object: 'user', label: 'User', hint: 'Read your profile; write: change it.' },
  { object: 'organization', label: 'Organization', hint: 'Read your organization.' },
  {
    object: 'organization_member',
    label: 'Organization members',
    hint: 'Read members and invites; write: invite and manage them.',
  },
];

export interface ScopeChoice {
  /** "*": every scope, today's and tomorrow's. */
  all: boolean;
  access: Record<string, Access>;
  /** Scopes of objects this picker does not list (given through the API or the CLI): kept as they are. */
  others: string[];
}

/** What a new key starts with: enough for a script that reads and writes notebooks. */
export function defaultScopeChoice(): ScopeChoice {
  return { all: false, access: { notebook: 'write', activity_log: 'read' }, others: [] };
}

/** A key's scopes as a choice (write wins over read for one object). */
export function choiceOf(scopes: string[]): ScopeChoice {
  const choice: ScopeChoice = { all: scopes.includes('*'), access: {}, others: [] };
  for (const scope of scopes) {
    if (scope === '*') continue;
    const [object, access] = scope.split(':');
    const listed = SCOPE_OBJECTS.some((entry) => entry.object === object);
    if (!listed || (access !== 'read' && access !== 'write')) choice.others.push(scope);
    else if (choice.access[object] !== 'write') choice.access[object] = access;
  }
  return choice;
}

/** The API's `scopes` for a choice: ["*"], or "<object>:<read|write>" for each object given access. */
export function scopesOf(choice: ScopeChoice): string[] {
  if (choice.all) return ['*'];
  const listed = SCOPE_OBJECTS.flatMap(({ object }) => {
    const access = choice.access[object] ?? 'none';
    return access === 'none' ? [] : [`${object}:${access}`];
  });
  return [...listed, ...choice.others];
}

/** Choose all access, or no access / read / write for each object. */
export function ScopePicker({ value, onChange }: { value: ScopeChoice; onChange: (choice: ScopeChoice) => void }) {
  const name = useId();
  return (
    <fieldset className="scope-picker">
      <legend>Scopes</legend>
      <div className="scope-modes">
        <label className="scope-mode">
          <input type="radio" name={name} checked={!value.all} onChange={() => onChange({ ...value, all: false })} />
          <span>
            <strong>Chosen scopes</strong>
            <span className="muted">Only what a script needs.</span>
          </span>
        </label>
        <label className="scope-mode">
          <input type="radio" name={name} checked={value.all} onChange={() => onChange({ ...value, all: true })} />
          <span>
            <strong>All access</strong>
            <span className="muted">Everything you can do, now and later (*).</span>
          </span>
        </label>
      </div>
      {!value.all && (
        <ul className="scope-list">
          {SCOPE_OBJECTS.map(({ object, label, hint }) => (
            <ScopeRow
              key={object}
              label={label}
              hint={hint}
              access={value.access[object] ?? 'none'}
              onChange={(access) => onChange({ ...value, access: { ...value.access, [object]: access } })}
            />
          ))}
        </ul>
      )}
      {!value.all && value.others.length > 0 && (
        <p className="muted scope-others">Also kept: {value.others.join(', ')}.</p>
      )}
    </fieldset>
  );
}

function ScopeRow({
  label,
  hint,
  access,
  onChange,
}: {
  label: string;
  hint: string;
  access: Access;
  onChange: (access: Access) => void;
}) {
  const id = useId();
  return (
    <li className="scope-row">
      <div className="scope-name">
        <label htmlFor={id}>{label}</label>
        <span id={`${id}-hint`} className="muted">
          {hint}
        </span>
      </div>
      <select
        id={id}
        aria-describedby={`${id}-hint`}
        value={access}
        onChange={(event) => onChange(event.target.value as Access)}
      >
        <option value="none">No access</option>
        <option value="read">Read</option>
        <option value="write">Write</option>
      </select>
    </li>
  );
}
