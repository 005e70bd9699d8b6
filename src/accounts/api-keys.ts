import { createHash } from 'node:crypto';
import { randomToken } from '../db/ids.ts';

/** A new personal API key: "phx_" + PostHog's random token of 35 bytes. */
export function generateKeyValue(): string {
  return `phx_${randomToken(35)}`;
}

/** The only form in which a key is stored: "sha256$" + hex SHA-256 of the key. */
export function hashKeyValue(value: string): string {
  return `sha256$${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

/** PostHog's mask_key_value: first 4 + "..." + last 4 characters; "********" for short values. */
export function maskKeyValue(value: string): string {
  if (value.length < 16) return '********';
  return `${value.slice(0, 4)}...${value.slice(-4)}`;
}

// PostHog's APIScopeObject list (older core list plus the objects a notebooks server meets).
export const SCOPE_OBJECTS = new Set([
  'action',
  'activity_log',
  'annotation',
  'batch_export',
  'cohort',
  'dashboard',
  'dashboard_template',
  'early_access_feature',
  'event_definition',
  'experiment',
  'export',
  'feature_flag',
  'group',
  'insight',
  'query',
  'notebook',
  'organization',
  'organization_member',
  'person',
  'plugin',
  'project',
  'property_definition',
  'session_recording',
  'session_recording_playlist',
  'sharing_configuration',
  'subscription',
  'survey',
  'user',
  'webhook',
  'access_control',
  'comment',
  'file_system',
]);

/** Returns the first invalid scope, or undefined when every scope is "*" or "<object>:<read|write>". */
export function findInvalidScope(scopes: string[]): string | undefined {
  return scopes.find((scope) => {
    if (scope === '*') return false;
    const [object, action, ...rest] = scope.split(':');
    return rest.length > 0 || !SCOPE_OBJECTS.has(object) || (action !== 'read' && action !== 'write');
  });
}

/** PostHog's scope check: "*" grants every public scope; ":write" implies ":read". */
export function keyHasScope(keyScopes: readonly string[], required: string): boolean {
  if (keyScopes.includes('*') || keyScopes.includes(required)) return true;
  return required.endsWith(':read') && keyScopes.includes(`${required.slice(0, -':read'.length)}:write`);
}
