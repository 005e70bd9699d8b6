// What a Map entry, its object and the strings' headers take besides the characters, roughly.
const ENTRY_OVERHEAD = 160;

/**
 * Rendered responses, each valid while the state it was rendered under is unchanged (for the
 * list: its project's change count, which every committed write to the project moves) and until
 * its own deadline (the user names it shows are remembered for a while, accounts/user-cache.ts).
 * A hit is exact: nothing that could change it was committed since it was read, so the database
 * would answer the same bytes. Least recently used first out once `maxBytes` would be exceeded.
 */
export class ResponseCache<V = Buffer> {
  readonly #maxBytes: number;
  readonly #sizeOf: (value: V) => number;
  readonly #entries = new Map<string, { state: string; body: V; expires: number; bytes: number }>();
  #bytes = 0;

  /** `sizeOf`: the bytes a value holds (a Buffer's length unless told). */
  constructor(maxBytes: number, sizeOf: (value: V) => number = (value) => (value as Buffer).length) {
    this.#maxBytes = maxBytes;
    this.#sizeOf = sizeOf;
  }

  get enabled(): boolean {
    return this.#maxBytes > 0;
  }

  /** The body stored under `key` if it was rendered under `state` and has not expired. */
  get(key: string, state: string, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.state !== state || entry.expires <= now) {
      this.#delete(key, entry.bytes);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.body;
  }

  set(key: string, state: string, body: V, expires: number): void {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#delete(key, old.bytes);
    // The key and the state count too (two bytes a character, and a little for the entry): a
    // long query string with an empty page must not hold more memory than it is charged for.
    const bytes = this.#sizeOf(body) + 2 * (key.length + state.length) + ENTRY_OVERHEAD;
    // One entry may take an eighth of the cache at most, so a few huge pages cannot flush it.
    if (bytes > this.#maxBytes / 8) return;
    while (this.#bytes + bytes > this.#maxBytes) {
      const [oldestKey, oldest] = this.#entries.entries().next().value as [string, { bytes: number }];
      this.#delete(oldestKey, oldest.bytes);
    }
    this.#entries.set(key, { state, body, expires, bytes });
    this.#bytes += bytes;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  #delete(key: string, bytes: number): void {
    this.#entries.delete(key);
    this.#bytes -= bytes;
  }
}
