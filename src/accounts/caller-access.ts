import { permissionDenied, reauthenticationRequired } from '../http/errors.ts';
import type { Caller } from './caller.ts';

/**
 * PostHog's TimeSensitiveActionPermission: a session may do a sensitive action (keys, password,
 * email, members) only within `maxAgeMs` of signing in. Keys are not sessions and pass.
 */
export function requireRecentSignIn(caller: Caller, now: number, maxAgeMs: number): void {
  if (caller.session === undefined) return;
  if (now - caller.session.authenticatedAt.getTime() > maxAgeMs) throw reauthenticationRequired();
}

/** An action a personal API key may not take, whatever its scopes. */
export function refuseKeyCallers(caller: Caller): void {
  if (caller.key !== undefined) throw permissionDenied('This action does not support personal API key access');
}
