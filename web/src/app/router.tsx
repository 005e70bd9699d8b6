import { lazy, Suspense } from 'react';
import { createBrowserRouter, Navigate } from 'react-router';
import NotebooksListPage from '../notebooks/NotebooksListPage.tsx';
import { prefetchNotebook } from '../notebooks/notebook-prefetch.ts';
import { prefetchNotebookList } from '../notebooks/notebook-queries.ts';
import { LoginPage } from '../pages/LoginPage.tsx';
import { NotFoundPage } from '../pages/NotFoundPage.tsx';
import { AppShell, HomeRedirect, RequireSession } from './AppShell.tsx';
import { Loading } from './Loading.tsx';

// The editor (TipTap and ProseMirror) is its own chunk: the list loads without it. The list is in
// the first chunk: a lazy page waits out React's Suspense reveal throttle (~300 ms) after its code
// has arrived, which was most of the list's time to show.
// The editor's chunk loads as the route's `lazy` (before the page renders), not React.lazy: the
// same reveal throttle would otherwise hold an opening notebook ~300 ms.
const notebookPage = async () => ({ Component: (await import('../notebooks/NotebookPage.tsx')).default });
const DeletedNotebooksPage = lazy(() => import('../notebooks/DeletedNotebooksPage.tsx'));
const NotebookHistoryPage = lazy(() => import('../history/NotebookHistoryPage.tsx'));
const SettingsPage = lazy(() => import('../settings/SettingsPage.tsx'));

const page = (element: React.ReactNode) => <Suspense fallback={<Loading />}>{element}</Suspense>;

/**
 * The app's pages. Project pages follow PostHog's paths (/project/:projectId/notebooks/…), so a
 * link to a notebook or to a filtered list can be shared.
 */
export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <AppShell />,
        children: [
          { path: '/', element: <HomeRedirect /> },
          { path: '/project/:projectId', element: <Navigate to="notebooks" replace /> },
          {
            path: '/project/:projectId/notebooks',
            // The list's request starts with the navigation, alongside the session check.
            loader: ({ params, request }) => {
              prefetchNotebookList(params.projectId ?? '', new URL(request.url).searchParams);
              return null;
            },
            element: page(<NotebooksListPage />),
          },
          { path: '/project/:projectId/notebooks/deleted', element: page(<DeletedNotebooksPage />) },
          {
            path: '/project/:projectId/notebooks/:shortId',
            lazy: notebookPage,
            loader: ({ params }) => {
              prefetchNotebook(params.projectId, params.shortId);
              return null;
            },
          },
          { path: '/project/:projectId/notebooks/:shortId/history', element: page(<NotebookHistoryPage />) },
          { path: '/settings', element: page(<SettingsPage />) },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
