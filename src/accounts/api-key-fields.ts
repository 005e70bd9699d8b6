import { pythonTypeName } from '../compat/python-values.ts';
import { charField, integerField, objectBody, stringField } from '../http/drf-fields.ts';
import { validationFailed } from '../http/errors.ts';
import { findInvalidScope } from './api-keys.ts';

/** A key's writable fields, as validated: each present only when it was sent. */
export interface KeyFields {
  label?: string;
  scopes?: string[];
  scopedTeams?: number[];
  scopedOrganizations?: string[];
}

/** What the key's owner belongs to: the limits may name only these. */
export interface KeyOwnerReach {
  projects: ReadonlySet<number>;
  /** Organization UUIDs, lowercase with hyphens. */
  organizations: ReadonlySet<string>;
}

/** Python's uuid.UUID(text) in its canonical form, or undefined where Python raises. */
export function pythonUuid(text: string): string | undefined {
  const hex = text
    .replace('urn:', '')
    .replace('uuid:', '')
    .replace(/^[{}]+|[{}]+$/g, '')
    .replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const lower = hex.toLowerCase();
  return `${lower.slice(0, 8)}-${lower.slice(8, 12)}-${lower.slice(12, 16)}-${lower.slice(16, 20)}-${lower.slice(20)}`;
}

/** DRF's ListField: a list (not a string or an object), each item through `item`, errors named attr__index. */
function listField<T>(attr: string, value: unknown, item: (attr: string, value: unknown) => T): T[] {
  if (value === null) throw validationFailed(attr, 'This field may not be null.', 'null');
  if (!Array.isArray(value))
    throw validationFailed(attr, `Expected a list of items but got type "${pythonTypeName(value)}".`, 'not_a_list');
  return value.map((entry, index) => item(`${attr}__${index}`, entry));
}

function nonBlankString(attr: string, value: unknown): string {
  const text = charField(attr, value, false) as string;
  if (text === '') throw validationFailed(attr, 'This field may not be blank.', 'blank');
  return text;
}

/**
 * PostHog's PersonalAPIKeySerializer: label, scopes, scoped_teams, scoped_organizations, in that
 * order, the first error only. On create (not partial) every one is required; a key needs at least
 * one scope (this server's rule), each "*" or "<object>:<read|write>"; the limits may name only
 * projects and organizations the owner belongs to.
 */
export function parseKeyFields(body: unknown, options: { partial: boolean }, reach: KeyOwnerReach): KeyFields {
  const input = objectBody(body);
  const required = !options.partial;
  const has = (attr: string) => Object.hasOwn(input, attr);
  const fields: KeyFields = {};
  fields.label = stringField(input, 'label', { required, maxLength: 40 });

  if (has('scopes') || required) {
    if (!has('scopes')) throw validationFailed('scopes', 'This field is required.', 'required');
    const scopes = listField('scopes', input.scopes, nonBlankString);
    if (scopes.length === 0) throw validationFailed('scopes', 'This list may not be empty.', 'empty');
    const invalid = findInvalidScope(scopes);
    if (invalid !== undefined) throw validationFailed('scopes', `Invalid scope: ${invalid}`);
    fields.scopes = scopes;
  }

  if (has('scoped_teams') || required) {
    if (!has('scoped_teams')) throw validationFailed('scoped_teams', 'This field is required.', 'required');
    const teams = listField('scoped_teams', input.scoped_teams, integerField);
    if (teams.some((team) => !reach.projects.has(team)))
      throw validationFailed('scoped_teams', 'You must be a member of all teams that you are scoping the key to.');
    fields.scopedTeams = teams;
  }

  if (has('scoped_organizations') || required) {
    if (!has('scoped_organizations'))
      throw validationFailed('scoped_organizations', 'This field is required.', 'required');
    const organizations = listField('scoped_organizations', input.scoped_organizations, nonBlankString);
    const canonical = organizations.map(pythonUuid);
    if (canonical.some((uuid) => uuid === undefined))
      throw validationFailed('scoped_organizations', 'Invalid organization UUID');
    if (canonical.some((uuid) => !reach.organizations.has(uuid as string))) {
      throw validationFailed(
        'scoped_organizations',
        'You must be a member of all organizations that you are scoping the key to.',
      );
    }
    fields.scopedOrganizations = organizations;
  }
  return fields;
}
