/**
 * Numbers as their stored text. The API keeps a number's source text (42.0 stays 42.0, as
 * PostHog's jsonb does); JavaScript would read it as 42 and write it back as 42. A notebook is
 * read with `keepNumberText`, which turns such numbers into raw JSON values that JSON.stringify
 * writes back exactly; the editor's own nodes get plain numbers (`plainNumber`).
 */

interface RawJson {
  readonly rawJSON: string;
}

interface JsonWithRaw {
  rawJSON?: (text: string) => RawJson;
  isRawJSON?: (value: unknown) => value is RawJson;
}

const json = JSON as unknown as JsonWithRaw;

/** A JSON.parse reviver: a number whose text JavaScript would not write back the same stays raw. */
export function keepNumberText(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || context?.source === undefined || !json.rawJSON) return value;
  return JSON.stringify(value) === context.source ? value : json.rawJSON(context.source);
}

/** A value for the editor's schema: a raw number becomes a plain one. */
export function plainNumber(value: unknown): unknown {
  return json.isRawJSON?.(value) ? Number(value.rawJSON) : value;
}
