import { useQuery } from '@tanstack/react-query';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError, api, errorMessage } from '../api/client.ts';
import { signOut, useMe } from '../api/session.ts';
import type { Paginated, Project } from '../api/types.ts';
import { Loading } from './Loading.tsx';

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

/** The projects the user can reach; choosing one opens its notebooks. */
export function ProjectSwitcher() {
  const { projectId } = useParams();
  const me = useMe();
  const projects = useProjects();
  const navigate = useNavigate();
  const current = projectId ?? String(me.data?.team?.id ?? '');
  const list = projects.data?.results ?? [];
  return (
    <label className="project-switcher">
      <span className="visually-hidden">Project</span>
      <select
        aria-label="Project"
        value={current}
        onChange={(event) => navigate(`/project/${event.target.value}/notebooks`)}
        disabled={list.length === 0}
      >
        {list.length === 0 && <option value={current}>{me.data?.team?.name ?? 'Project'}</option>}
        {list.map((project) => (
          <option key={project.id} value={String(project.id)}>
            {project.name}
          </option>
        ))}
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
      <Outlet />
    </div>
  );
}
