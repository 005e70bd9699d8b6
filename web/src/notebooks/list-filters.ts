import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

/**
 * The list's filters as they live in the page's query string (so a filtered list is a link), and
 * the API query they become. Names follow the API's: search, created_by, contains, order.
 */

export const ORDERS = [
  '-last_modified_at',
  'last_modified_at',
  '-created_at',
  'created_at',
  'title',
  '-title',
] as const;
export type ListOrder = (typeof ORDERS)[number];
export const DEFAULT_ORDER: ListOrder = '-last_modified_at';

export const ORDER_LABELS: Record<ListOrder, string> = {
  '-last_modified_at': 'Last modified, newest first',
  last_modified_at: 'Last modified, oldest first',
  '-created_at': 'Created, newest first',
  created_at: 'Created, oldest first',
  title: 'Title, A to Z',
  '-title': 'Title, Z to A',
};

/**
 * The kinds of PostHog node the "Contains" filter offers, as the API's `contains` targets
 * (`ph-` is added by the API; insights are `ph-query` nodes).
 */
export const CONTAINS_KINDS = [
  { value: 'recording', label: 'Recordings' },
  { value: 'query', label: 'Insights' },
  { value: 'feature-flag', label: 'Feature flags' },
  { value: 'person', label: 'People' },
] as const;
export type ContainsKind = (typeof CONTAINS_KINDS)[number]['value'];

/** The page size when the link names none: the API's own default. */
export const DEFAULT_LIMIT = 100;

export interface ListFilters {
  search: string;
  createdBy: string;
  contains: ContainsKind | '';
  order: ListOrder;
  limit: number;
  offset: number;
}

const positiveInt = (text: string | null, fallback: number, minimum: number): number => {
  if (text === null || !/^\d+$/.test(text)) return fallback;
  const value = Number(text);
  return value >= minimum ? value : fallback;
};

/** Filters from the page's query string; anything unknown falls back to the default. */
export function filtersFromParams(params: URLSearchParams): ListFilters {
  const order = params.get('order') ?? '';
  const contains = params.get('contains') ?? '';
  return {
    search: params.get('search') ?? '',
    createdBy: params.get('created_by') ?? '',
    contains: CONTAINS_KINDS.some((kind) => kind.value === contains) ? (contains as ContainsKind) : '',
    order: (ORDERS as readonly string[]).includes(order) ? (order as ListOrder) : DEFAULT_ORDER,
    limit: positiveInt(params.get('limit'), DEFAULT_LIMIT, 1),
    offset: positiveInt(params.get('offset'), 0, 0),
  };
}

/** The page's query string for the filters: defaults are left out, so the plain list is a plain URL. */
export function paramsFromFilters(filters: ListFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.search !== '') params.set('search', filters.search);
  if (filters.createdBy !== '') params.set('created_by', filters.createdBy);
  if (filters.contains !== '') params.set('contains', filters.contains);
  if (filters.order !== DEFAULT_ORDER) params.set('order', filters.order);
  if (filters.limit !== DEFAULT_LIMIT) params.set('limit', String(filters.limit));
  if (filters.offset > 0) params.set('offset', String(filters.offset));
  return params;
}

/** Whether any filter narrows the list (sorting and paging do not). */
export function isFiltered(filters: ListFilters): boolean {
  return filters.search.trim() !== '' || filters.createdBy !== '' || filters.contains !== '';
}

/** The list endpoint's query string for the filters. */
export function apiQuery(filters: ListFilters, options: { deleted?: boolean } = {}): string {
  const params = new URLSearchParams();
  if (options.deleted) params.set('deleted', 'true');
  // The deleted list has no search index: the API ignores `search` there.
  if (!options.deleted && filters.search.trim() !== '') params.set('search', filters.search.trim());
  if (filters.createdBy !== '') params.set('created_by', filters.createdBy);
  if (filters.contains !== '') params.set('contains', `${filters.contains}:true`);
  params.set('order', filters.order);
  params.set('limit', String(filters.limit));
  if (filters.offset > 0) params.set('offset', String(filters.offset));
  return params.toString();
}

/** The offset an API `next`/`previous` link points at (its `offset`, absent meaning 0). */
export function offsetOfLink(link: string): number {
  const offset = new URL(link, window.location.origin).searchParams.get('offset');
  return offset !== null && /^\d+$/.test(offset) ? Number(offset) : 0;
}

/** The filters in the page's query string, and a way to change some of them (back to page one). */
export function useListFilters(): [ListFilters, (change: Partial<ListFilters>, replace?: boolean) => void] {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const update = useCallback(
    (change: Partial<ListFilters>, replace = false) => {
      setParams((current) => paramsFromFilters({ ...filtersFromParams(current), offset: 0, ...change }), { replace });
    },
    [setParams],
  );
  return [filters, update];
}
