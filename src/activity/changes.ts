import type { JsonValue } from '../json/json-value.ts';

export interface Change {
  type: string;
  action: 'created' | 'changed' | 'deleted';
  field: string;
  before: JsonValue;
  after: JsonValue;
}

/** Django's empty values: None, "", [], (), {} — but not False or 0. */
function isEmpty(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** Python ==: dicts by keys and values, lists by order, True == 1, 1 == 1.0. */
export function pythonEquals(a: JsonValue, b: JsonValue): boolean {
  const numeric = (v: JsonValue) => (typeof v === 'boolean' ? Number(v) : v);
  const x = numeric(a);
  const y = numeric(b);
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => pythonEquals(v, y[i]));
  const xo = x as Record<string, JsonValue>;
  const yo = y as Record<string, JsonValue>;
  const keys = Object.keys(xo);
  if (keys.length !== Object.keys(yo).length) return false;
  return keys.every((k) => Object.hasOwn(yo, k) && pythonEquals(xo[k], yo[k]));
}

/** PostHog's changes_between for the given fields, in the order given. */
export function changesBetween(
  type: string,
  fields: readonly string[],
  before: Record<string, JsonValue>,
  after: Record<string, JsonValue>,
): Change[] {
  const changes: Change[] = [];
  for (const field of fields) {
    const left = before[field];
    const right = after[field];
    const leftEmpty = isEmpty(left);
    const rightEmpty = isEmpty(right);
    if (leftEmpty && rightEmpty) continue;
    if (leftEmpty) changes.push({ type, action: 'created', field, before: null, after: right });
    else if (rightEmpty) changes.push({ type, action: 'deleted', field, before: left, after: null });
    else if (!pythonEquals(left, right)) changes.push({ type, action: 'changed', field, before: left, after: right });
  }
  return changes;
}
