import { useId } from 'react';
import type { Project } from '../api/types.ts';

export interface ProjectLimit {
  /** Every project the user can reach (`scoped_teams: []`), or only the chosen ones. */
  all: boolean;
  chosen: number[];
}

/** The API's `scoped_teams` for a limit: empty for every project. */
export function scopedTeamsOf(limit: ProjectLimit): number[] {
  return limit.all ? [] : limit.chosen;
}

/** Limit a key to some of the user's projects, or let it reach them all. */
export function ProjectLimitPicker({
  projects,
  value,
  onChange,
}: {
  projects: Project[];
  value: ProjectLimit;
  onChange: (limit: ProjectLimit) => void;
}) {
  const name = useId();
  const toggle = (id: number, checked: boolean) =>
    onChange({
      ...value,
      chosen: checked ? [...value.chosen, id] : value.chosen.filter((chosen) => chosen !== id),
    });
  return (
    <fieldset className="scope-picker">
      <legend>Projects</legend>
      <div className="scope-modes">
        <label className="scope-mode">
          <input type="radio" name={name} checked={value.all} onChange={() => onChange({ ...value, all: true })} />
          <span>
            <strong>All projects</strong>
            <span className="muted">Every project you can reach, now and later.</span>
          </span>
        </label>
        <label className="scope-mode">
          <input type="radio" name={name} checked={!value.all} onChange={() => onChange({ ...value, all: false })} />
          <span>
            <strong>Only these projects</strong>
            <span className="muted">Other projects answer 403.</span>
          </span>
        </label>
      </div>
      {!value.all && (
        <ul className="scope-list project-list">
          {projects.map((project) => (
            <li key={project.id} className="scope-row">
              <label className="project-choice">
                <input
                  type="checkbox"
                  checked={value.chosen.includes(project.id)}
                  onChange={(event) => toggle(project.id, event.target.checked)}
                />
                <span>{project.name}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
