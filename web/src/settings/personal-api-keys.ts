import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { PersonalApiKey } from '../api/types.ts';

/** Query keys of the signed-in user's personal API keys. */
export const personalApiKeyKeys = {
  all: ['personal-api-keys'] as const,
};

export interface PersonalApiKeyInput {
  label: string;
  scopes: string[];
  /** Project ids the key is limited to; empty: every project the user can reach. */
  scoped_teams: number[];
  /** Organization ids the key is limited to; empty: every organization of the user. */
  scoped_organizations: string[];
}

/** The user's keys, newest first (the API's bare array). */
export function usePersonalApiKeys() {
  return useQuery({
    queryKey: personalApiKeyKeys.all,
    queryFn: () => api<PersonalApiKey[]>('/api/personal_api_keys/'),
  });
}

/** Creates a key; the answer carries its value, the only time it is ever shown. */
export function useCreatePersonalApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: PersonalApiKeyInput) =>
      api<PersonalApiKey>('/api/personal_api_keys/', { method: 'POST', body: input }),
    onSuccess: (created) => {
      queryClient.setQueryData<PersonalApiKey[]>(personalApiKeyKeys.all, (keys) => [
        { ...created, value: undefined },
        ...(keys ?? []).filter((key) => key.id !== created.id),
      ]);
      void queryClient.invalidateQueries({ queryKey: personalApiKeyKeys.all });
    },
  });
}

/** Changes a key's label, scopes or project limit; its value stays. */
export function useUpdatePersonalApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: Omit<PersonalApiKeyInput, 'scoped_organizations'> }) =>
      api<PersonalApiKey>(`/api/personal_api_keys/${encodeURIComponent(id)}/`, { method: 'PATCH', body: changes }),
    onSuccess: (updated) => {
      queryClient.setQueryData<PersonalApiKey[]>(personalApiKeyKeys.all, (keys) =>
        (keys ?? []).map((key) => (key.id === updated.id ? { ...updated, value: undefined } : key)),
      );
      void queryClient.invalidateQueries({ queryKey: personalApiKeyKeys.all });
    },
  });
}

/** Gives a key a new value (shown once); the old value stops working at once. */
export function useRollPersonalApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      api<PersonalApiKey>(`/api/personal_api_keys/${encodeURIComponent(id)}/roll/`, { method: 'POST' }),
    onSuccess: (rolled) => {
      queryClient.setQueryData<PersonalApiKey[]>(personalApiKeyKeys.all, (keys) =>
        (keys ?? []).map((key) => (key.id === rolled.id ? { ...rolled, value: undefined } : key)),
      );
      void queryClient.invalidateQueries({ queryKey: personalApiKeyKeys.all });
    },
  });
}

/** Deletes a key; scripts using it stop working at once. */
export function useDeletePersonalApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/personal_api_keys/${encodeURIComponent(id)}/`, { method: 'DELETE' }),
    onSuccess: (_result, id) => {
      queryClient.setQueryData<PersonalApiKey[]>(personalApiKeyKeys.all, (keys) =>
        (keys ?? []).filter((key) => key.id !== id),
      );
      void queryClient.invalidateQueries({ queryKey: personalApiKeyKeys.all });
    },
  });
}
