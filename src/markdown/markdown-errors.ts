import type { JsonValue } from '../json/json-value.ts';

/**
 * Input nested too deeply to convert safely: Markdown whose blocks nest past what a notebook
 * document may hold (reading on would cut content off), or JSON nested past what the conversion
 * walks without running out of stack. The caller answers it as a client error.
 */
export class MarkdownTooComplex extends Error {
  override readonly name = 'MarkdownTooComplex';
}

/** How deeply JSON (a whole notebook, or one preserved node) may nest. */
export const MAX_JSON_DEPTH = 256;

/** Throws `MarkdownTooComplex` when `value` nests arrays and objects deeper than `MAX_JSON_DEPTH`. */
export function assertJsonDepth(value: JsonValue, depth = 1): void {
  if (typeof value !== 'object' || value === null) return;
  // Recursion stops at the limit, so measuring never goes deeper than the limit itself.
  if (depth > MAX_JSON_DEPTH) throw new MarkdownTooComplex(`The JSON nests more than ${MAX_JSON_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    for (const child of value) assertJsonDepth(child, depth + 1);
    return;
  }
  for (const key in value) assertJsonDepth(value[key], depth + 1);
}
