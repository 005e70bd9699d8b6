import type { JsonValue } from '../notebooks/content.ts';

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
export function assertJsonDepth(value: JsonValue): void {
  // An explicit stack: measuring must not itself recurse as deep as the value.
  const stack: [JsonValue, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [JsonValue, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > MAX_JSON_DEPTH) throw new MarkdownTooComplex(`The JSON nests more than ${MAX_JSON_DEPTH} levels deep`);
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1]);
  }
}
