import { pythonInt } from '../../compat/python-int.ts';
import type { JsonValue } from '../../json/json-value.ts';

/**
 * One `contains` token. `presence` and `id` are the right-hand sides of
 * `content->'content' @> …`; `id` is null unless `kind` is `match`.
 * present: keep notebooks containing `presence`; absent: drop them (NULL rules in
 * `containsMatches`); match: keep notebooks containing `presence` and, independently, `id`.
 */
export type ContainsTest = { kind: 'present' | 'absent' | 'match'; presence: JsonValue; id: JsonValue | null };

/** PostHog's `depluralize`; note that `"s"` becomes `""`, which `parseContains` skips like null. */
export function depluralize(s: string): string | null {
  if (s === '') return null;
  if (s.endsWith('ies')) return `${s.slice(0, -3)}y`;
  if (s.endsWith('s')) return s.slice(0, -1);
  return s;
}

/**
 * The tokens of a `contains` value, in order (they are ANDed).
 *
 * Integer matches become JS numbers. Python keeps big integers exact; here an integer beyond
 * Number.MAX_SAFE_INTEGER is rounded to the nearest double, so it may equal a different huge id
 * than it would in PostHog. An integer beyond the double range (over 308 digits) stays the raw
 * string, as if int() had failed: ±Infinity would serialise as JSON null and match null ids.
 */
export function parseContains(value: string): ContainsTest[] {
  const tests: ContainsTest[] = [];
  for (const token of value.replaceAll(',', ' ').split(' ')) {
    const parts = token.split(':');
    const target = depluralize(parts[0]);
    if (!target) continue;
    const rawMatch = parts.length > 1 ? parts[1] : null;
    const match = rawMatch === null ? null : (pythonInt(rawMatch) ?? rawMatch);
    tests.push(containsTest(target, match));
  }
  return tests;
}

function containsTest(target: string, match: string | number | null): ContainsTest {
  let presence: JsonValue = [{ type: `ph-${target}` }];
  let id: JsonValue = [{ attrs: { id: match } }];
  if (target === 'replay-timestamp') {
    presence = [{ content: [{ type: `ph-${target}` }] }];
    id = [{ content: [{ attrs: { sessionRecordingId: match } }] }];
  } else if (target === 'query') {
    id = [{ attrs: { query: { kind: 'SavedInsightNode', shortId: match } } }];
  }
  if (match === null || match === 'true') return { kind: 'present', presence, id: null };
  if (match === 'false') return { kind: 'absent', presence, id: null };
  return { kind: 'match', presence, id };
}
