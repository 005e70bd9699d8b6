import { isJsonObject, type JsonObject, type JsonValue, ownValue } from '../../json/json-value.ts';
import type { ContainsTest } from './contains-grammar.ts';

//
// Every structure that parseContains builds has the form `[{…one path…}]`, so
// `content->'content' @> structure` holds exactly when `content.content` is an array with an
// object element on which that one path leads to an equal scalar. A notebook's facts list every
// such path with its scalar, so each test becomes "this fact is present":
//
//   has-content   content is an object with a "content" key (any value, even null)
//   t:<type>      a top-level node (object element of the content.content array) has a string "type"
//   i:<scalar>    a top-level node has an object "attrs" whose "id" is a string or number
//   q:<scalar>    a top-level node has an object attrs.query with kind === "SavedInsightNode"
//                 and a string or number "shortId" (both on the same query object)
//   ct:<type>     a child (object element of a top-level node's "content" ARRAY) has a string "type"
//   cr:<scalar>   such a child has an object "attrs" whose "sessionRecordingId" is a string or number
//
// <scalar> is `s:<string>` or `n:<number>`, the number written as JS String() of the parsed double
// (so 1, 1.0, 1e0 and -0/0 give the same fact; 1 and "1" differ, as in jsonb). Other JSON types
// (null, booleans, arrays, objects) can never equal a match, which is always a string or an
// integer, so they give no fact. Types are always strings, so `t:`/`ct:` take the raw string.

export const HAS_CONTENT_FACT = 'has-content';

function scalarFact(prefix: string, value: JsonValue | undefined): string | null {
  if (typeof value === 'string') return `${prefix}s:${value}`;
  if (typeof value === 'number') return `${prefix}n:${value === 0 ? 0 : value}`;
  return null;
}

/** The distinct facts of a notebook's content; `null`/`undefined` content (SQL NULL) has none. */
export function containsFacts(content: JsonValue | undefined): string[] {
  if (!isJsonObject(content) || !Object.hasOwn(content, 'content')) return [];
  const facts = new Set<string>([HAS_CONTENT_FACT]);
  const add = (fact: string | null): void => {
    if (fact !== null) facts.add(fact);
  };
  const nodes = content.content;
  if (!Array.isArray(nodes)) return [...facts];
  for (const node of nodes) {
    if (!isJsonObject(node)) continue;
    const type = ownValue(node, 'type');
    if (typeof type === 'string') facts.add(`t:${type}`);
    const attrs = ownValue(node, 'attrs');
    if (isJsonObject(attrs)) {
      add(scalarFact('i:', ownValue(attrs, 'id')));
      const query = ownValue(attrs, 'query');
      if (isJsonObject(query) && ownValue(query, 'kind') === 'SavedInsightNode') {
        add(scalarFact('q:', ownValue(query, 'shortId')));
      }
    }
    const children = ownValue(node, 'content');
    if (!Array.isArray(children)) continue;
    for (const child of children) {
      if (!isJsonObject(child)) continue;
      const childType = ownValue(child, 'type');
      if (typeof childType === 'string') facts.add(`ct:${childType}`);
      const childAttrs = ownValue(child, 'attrs');
      if (isJsonObject(childAttrs)) add(scalarFact('cr:', ownValue(childAttrs, 'sessionRecordingId')));
    }
  }
  return [...facts];
}

/**
 * The facts that must all be present for the test's containment to hold: the presence fact,
 * plus the id fact for `match`. For `absent` the caller negates them (see `containsMatches`).
 */
export function containsTestFacts(test: ContainsTest): string[] {
  const facts = [structureFact(test.presence)];
  if (test.kind === 'match' && test.id !== null) facts.push(structureFact(test.id));
  return facts;
}

/**
 * The reference evaluation of one test over a notebook's facts, equal to the SQL filter on
 * PostgreSQL. `contentIsNull`: the notebook's content column is NULL. For `absent`
 * (`NOT (content->'content' @> X AND content IS NOT NULL)`, NULL dropping the row): keep NULL
 * content, keep content whose "content" key exists without containing X, drop non-null content
 * without a "content" key.
 */
export function containsMatches(facts: ReadonlySet<string>, contentIsNull: boolean, test: ContainsTest): boolean {
  const contained = containsTestFacts(test).every((fact) => facts.has(fact));
  if (test.kind === 'absent') return contentIsNull || (facts.has(HAS_CONTENT_FACT) && !contained);
  return !contentIsNull && contained;
}

/** The fact for one of the five structure shapes that `parseContains` produces. */
function structureFact(structure: JsonValue): string {
  const node = soleObjectElement(structure);
  const [key, value] = node === null ? [] : soleEntry(node);
  if (key === 'type' && typeof value === 'string') return `t:${value}`;
  if (key === 'attrs' && isJsonObject(value)) {
    const [attr, attrValue] = soleEntry(value);
    if (attr === 'id') return requiredScalarFact('i:', attrValue, structure);
    if (
      attr === 'query' &&
      isJsonObject(attrValue) &&
      Object.keys(attrValue).length === 2 &&
      ownValue(attrValue, 'kind') === 'SavedInsightNode'
    ) {
      return requiredScalarFact('q:', ownValue(attrValue, 'shortId'), structure);
    }
  }
  if (key === 'content' && value !== undefined) {
    const child = soleObjectElement(value);
    const [childKey, childValue] = child === null ? [] : soleEntry(child);
    if (childKey === 'type' && typeof childValue === 'string') return `ct:${childValue}`;
    if (childKey === 'attrs' && isJsonObject(childValue)) {
      const [attr, attrValue] = soleEntry(childValue);
      if (attr === 'sessionRecordingId') return requiredScalarFact('cr:', attrValue, structure);
    }
  }
  throw new Error(`Not a contains structure from parseContains: ${JSON.stringify(structure)}`);
}

function soleObjectElement(value: JsonValue): JsonObject | null {
  return Array.isArray(value) && value.length === 1 && isJsonObject(value[0]) ? value[0] : null;
}

function soleEntry(object: JsonObject): [string, JsonValue] | [] {
  const entries = Object.entries(object);
  return entries.length === 1 ? entries[0] : [];
}

function requiredScalarFact(prefix: string, value: JsonValue | undefined, structure: JsonValue): string {
  const fact = scalarFact(prefix, value);
  if (fact === null) throw new Error(`A contains match must be a string or a number: ${JSON.stringify(structure)}`);
  return fact;
}
