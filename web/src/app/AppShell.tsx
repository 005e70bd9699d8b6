import { useQuery } from '@tanstack/react-query';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError, api, errorMessage } from '../api/client.ts';
import { signOut, useMe } from '../api/session.ts';
import type { Paginated, Project } from '../api/types.ts';
import { Loading } from './Loading.tsx';
import { ToastProvider } from './Toasts.tsx';
import './shell.css';

/** Pages below it need a session: without one, the sign-in page, then back here. */
export function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  if (me.error) {
    if (me.error instanceof ApiError && me.error.signedOut) {
      const next = `${location.pathname}${location.search}${location.hash}`;
      return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
    }
    return (
      <main className="page-message" role="alert">
        <h1>Notebooks could not load</h1>
        <p>{errorMessage(me.error)}</p>
        <button type="button" className="button" onClick={() => me.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  return <Outlet />;
}

/** `/`: the user's current project's notebooks. */
export function HomeRedirect() {
  const me = useMe();
  const projectId = me.data?.team?.id;
  if (projectId === undefined) {
    return (
      <main className="page-message">
        <h1>No project yet</h1>
        <p>You are not a member of any project. Ask an administrator of your organization to invite you.</p>
      </main>
    );
  }
  return <Navigate to={`/project/${projectId}/notebooks`} replace />;
}

export function useProjects() {
  return useQuery({
    queryKey: ['projects'],
    queryFn: () => api<Paginated<Project>>('/api/projects/?limit=200'),
    staleTime: 60_000,
  });
}

/**
 * The projects the user can reach, in every organization they belong to (grouped by organization
 * when there are several); choosing one opens its notebooks.
 */
export function ProjectSwitcher() {
  const { projectId } = useParams();
  const me = useMe();
  const projects = useProjects();
  const navigate = useNavigate();
  const current = projectId ?? String(me.data?.team?.id ?? '');
  const list = projects.data?.results ?? [];
  const organizations = me.data?.organizations ?? [];
  const groups = new Map<string, Project[]>();
  for (const project of list) groups.set(project.organization, [...(groups.get(project.organization) ?? []), project]);
  const grouped = groups.size > 1;
  const known = list.some((project) => String(project.id) === current);
  const option = (project: Project) => (
    <option key={project.id} value={String(project.id)}>
      {project.name}
    </option>
  );
  return (
    <label className="project-switcher">
      <span className="visually-hidden">Project</span>
      <select
        aria-label="Project"
        value={current}
        onChange={(event) => navigate(`/project/${event.target.value}/notebooks`)}
        disabled={list.length === 0}
      >
        {!known && (
          <option value={current}>
            {list.length === 0 ? (me.data?.team?.name ?? 'Project') : `Project ${current}`}
          </option>
        )}
        {grouped
          ? [...groups].map(([organizationId, projectsOfOrganization]) => (
              <optgroup
                key={organizationId}
                label={organizations.find((organization) => organization.id === organizationId)?.name ?? 'Organization'}
              >
                {projectsOfOrganization.map(option)}
              </optgroup>
            ))
          : list.map(option)}
      </select>
    </label>
  );
}

/** The frame of every signed-in page: the project, the way to notebooks and settings, sign-out. */
export function AppShell() {
  const me = useMe();
  const { projectId } = useParams();
  const project = projectId ?? String(me.data?.team?.id ?? '');
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Notebooks home">
          <img src="/favicon.svg" alt="" width="22" height="22" />
          <span>Notebooks</span>
        </Link>
        <ProjectSwitcher />
        <nav className="topnav" aria-label="Main">
          {project !== '' && (
            <NavLink to={`/project/${project}/notebooks`} end>
              Notebooks
            </NavLink>
          )}
          <NavLink to="/settings">Settings</NavLink>
        </nav>
        <div className="topbar-user">
          <span className="user-email" title={me.data?.email}>
            {me.data?.first_name || me.data?.email}
          </span>
          <button type="button" className="button button-quiet" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <ToastProvider>
        <Outlet />
      </ToastProvider>
    </div>
  );
}
