import { useQuery } from '@tanstack/react-query';
import { api, csrfToken } from './client.ts';
import type { Me } from './types.ts';

export const meQueryKey = ['me'] as const;

/** The signed-in user; an ApiError with `signedOut` when there is no session. */
export function useMe() {
  return useQuery({ queryKey: meQueryKey, queryFn: () => api<Me>('/api/users/@me/'), staleTime: 60_000 });
}

/** Signs in; the server sets the session and CSRF cookies. */
export function signIn(email: string, password: string): Promise<{ success: boolean }> {
  return api('/api/login', { method: 'POST', body: { email, password } });
}

/** Signs out on the server (every process), then leaves for the sign-in page. */
export function signOut(): void {
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = '/logout';
  const token = document.createElement('input');
  token.type = 'hidden';
  token.name = 'csrfmiddlewaretoken';
  token.value = csrfToken();
  form.append(token);
  document.body.append(form);
  form.submit();
}
