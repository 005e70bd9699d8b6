import { validationFailed } from '../http/errors.ts';
import { refuseNullCharacters } from '../http/null-characters.ts';
import { lastValue } from '../http/query-params.ts';
import { type ContainsTest, parseContains } from './contains/contains-grammar.ts';
import { relativeDateParseEpochMicroseconds } from './relative-date.ts';
import { searchQueryLexemes } from './search/search-text.ts';

export type OrderColumn = 'title' | 'created_at' | 'last_modified_at';

export interface ListFilters {
  createdByCaller: boolean;
  createdBy?: string;
  lastModifiedBy?: string;
  modifiedAfter?: Date;
  modifiedBefore?: Date;
  /** The raw search value; present only when it yields at least one lexeme. */
  search?: string;
  contains: ContainsTest[];
  shortId?: string;
  /** Our extension (`?deleted=true`): the soft-deleted notebooks instead of the listed ones. */
  deleted?: true;
}

export interface ListOrder {
  column: OrderColumn;
  descending: boolean;
}

const ORDER_COLUMNS: readonly string[] = ['title', 'created_at', 'last_modified_at'];
export const DEFAULT_ORDER: ListOrder = { column: 'last_modified_at', descending: true };

/** Python's uuid.UUID(hex=value) acceptance, returned in canonical hyphenated lowercase form. */
export function canonicalUuid(value: string): string | undefined {
  const hex = value
    .replace(/urn:/g, '')
    .replace(/uuid:/g, '')
    .replace(/^\{+|\}+$/g, '')
    .replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * date_from / date_to in the project time zone. PostHog's bound has microseconds; stored
 * timestamps have milliseconds, so the bound is rounded toward the side that keeps the strict
 * comparison exact: down for "after", up for "before".
 */
function parseDate(attr: 'date_from' | 'date_to', value: string, timeZone: string, now: Date): Date {
  let micros: bigint;
  try {
    micros = relativeDateParseEpochMicroseconds(value, timeZone, now);
  } catch (error) {
    if (error instanceof RangeError)
      throw validationFailed(attr, `Could not interpret "${value}" as a date.`, 'invalid_date');
    throw error;
  }
  const floor = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const ms = attr === 'date_to' && floor * 1000n !== micros ? floor + 1n : floor;
  return new Date(Number(ms));
}

/** The notebook list's filters, validated. */
export function parseListFilters(query: URLSearchParams, timeZone: string, now = new Date()): ListFilters {
  const filters: ListFilters = { createdByCaller: query.has('user'), contains: [] };
  for (const attr of ['created_by', 'last_modified_by'] as const) {
    const value = lastValue(query, attr);
    if (value === undefined) continue;
    const uuid = canonicalUuid(value);
    if (uuid === undefined) throw validationFailed(attr, `"${value}" is not a valid UUID.`, 'invalid_uuid');
    if (attr === 'created_by') filters.createdBy = uuid;
    else filters.lastModifiedBy = uuid;
  }
  const dateFrom = lastValue(query, 'date_from');
  if (dateFrom !== undefined) filters.modifiedAfter = parseDate('date_from', dateFrom, timeZone, now);
  const dateTo = lastValue(query, 'date_to');
  if (dateTo !== undefined) filters.modifiedBefore = parseDate('date_to', dateTo, timeZone, now);
  for (const attr of ['search', 'contains', 'short_id'] as const) refuseNullCharacters(attr, lastValue(query, attr));
  const deleted = lastValue(query, 'deleted');
  if (deleted !== undefined && !['true', 'false', '1', '0', ''].includes(deleted.toLowerCase())) {
    throw validationFailed('deleted', 'Must be a valid boolean.', 'invalid');
  }
  if (deleted !== undefined && ['true', '1'].includes(deleted.toLowerCase())) filters.deleted = true;
  const search = lastValue(query, 'search');
  if (search !== undefined && searchQueryLexemes(search).length > 0) {
    // The search indexes hold the listed notebooks only.
    if (filters.deleted) throw validationFailed('search', 'search cannot be combined with deleted=true.', 'invalid');
    filters.search = search;
  }
  const contains = lastValue(query, 'contains');
  if (contains !== undefined) filters.contains = parseContains(contains);
  const shortId = lastValue(query, 'short_id');
  if (shortId !== undefined) filters.shortId = shortId;
  return filters;
}

/** Only title, created_at and last_modified_at, optionally with "-" (PostHog takes any field: see the README). */
export function parseOrder(query: URLSearchParams): ListOrder {
  const value = lastValue(query, 'order');
  if (value === undefined || value === '') return DEFAULT_ORDER;
  const descending = value.startsWith('-');
  const column = descending ? value.slice(1) : value;
  if (!ORDER_COLUMNS.includes(column)) {
    throw validationFailed(
      'order',
      `"${value}" is not a valid order. Use one of title, created_at, last_modified_at, optionally prefixed with "-".`,
      'invalid_choice',
    );
  }
  return { column: column as OrderColumn, descending };
}
