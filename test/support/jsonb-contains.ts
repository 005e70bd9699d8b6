import { isJsonObject, isScalar, type JsonValue } from '../../src/json/json-value.ts';

// The reference evaluation of PostgreSQL's jsonb `@>`, against which the containment facts are
// checked.
/**
 * `left @> right` as PostgreSQL evaluates it (JsonbDeepContains); `left` undefined stands for
 * SQL NULL (for instance `content->'content'` when there is no such key) and gives false.
 * Numbers compare as JS doubles, whereas PostgreSQL compares exact decimals: numbers that differ
 * only beyond double precision are equal here and not there.
 */
export function jsonbContains(left: JsonValue | undefined, right: JsonValue): boolean {
  if (left === undefined) return false;
  if (isJsonObject(left) !== isJsonObject(right)) return false;
  // At the top level a scalar is a one-element "raw scalar" array: an array may contain it,
  // but a raw scalar never contains a real array.
  if (isScalar(left)) return isScalar(right) && scalarsEqual(left, right);
  if (Array.isArray(left) && isScalar(right)) return left.some((element) => scalarsEqual(element, right));
  return containerContains(left, right);
}

function scalarsEqual(left: JsonValue | undefined, right: JsonValue): boolean {
  if (!isScalar(left) || !isScalar(right)) return false;
  return left === right; // same JSON type and value; 0 === -0 as in numeric comparison
}

function containerContains(left: JsonValue, right: JsonValue): boolean {
  if (Array.isArray(left)) {
    if (!Array.isArray(right)) return false;
    return right.every((wanted) =>
      isScalar(wanted)
        ? left.some((element) => scalarsEqual(element, wanted))
        : left.some((element) => !isScalar(element) && containerContains(element, wanted)),
    );
  }
  if (!isJsonObject(left) || !isJsonObject(right)) return false;
  return Object.keys(right).every((key) => {
    if (!Object.hasOwn(left, key)) return false;
    const wanted = right[key];
    const found = left[key];
    if (isScalar(wanted)) return scalarsEqual(found, wanted);
    return !isScalar(found) && containerContains(found, wanted);
  });
}
