import { hash } from 'node:crypto';

/** An entity-tag condition as sent in If-Match / If-None-Match: any ("*"), or a list of tags. */
export type EntityTagCondition = { any: true } | { any: false; tags: Array<{ weak: boolean; opaque: string }> };

const ENTITY_TAG = /^\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)/;

/**
 * Parses an If-Match or If-None-Match header: "*" or a comma-separated list of entity-tags
 * (`"x"` or `W/"x"`). Undefined when the header is absent; a malformed header is a list that
 * matches nothing.
 */
export function parseEntityTags(header: string | string[] | undefined): EntityTagCondition | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (text.trim() === '*') return { any: true };
  const tags: Array<{ weak: boolean; opaque: string }> = [];
  let rest = text;
  while (rest.trim() !== '') {
    const match = ENTITY_TAG.exec(rest);
    if (match === null) return { any: false, tags: [] };
    tags.push({ weak: match[1] !== undefined, opaque: match[2] });
    rest = rest.slice(match[0].length);
  }
  return { any: false, tags };
}

/** If-None-Match's weak comparison: the opaque tags are equal, weak or not. */
export function matchesWeakly(condition: EntityTagCondition, etag: string): boolean {
  return condition.any || condition.tags.some((tag) => tag.opaque === etag);
}

/** If-Match's strong comparison: a weak tag never matches. */
export function matchesStrongly(condition: EntityTagCondition, etag: string): boolean {
  return condition.any || condition.tags.some((tag) => !tag.weak && tag.opaque === etag);
}

/** A strong entity-tag naming the given parts: a digest, so that it reveals none of them. */
export function entityTagOf(...parts: string[]): string {
  return `"${hash('sha256', parts.join('\u0000'), 'base64url').slice(0, 27)}"`;
}
