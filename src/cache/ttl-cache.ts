/**
 * A map whose entries are good for a fixed time after they are set, bounded in count: when full,
 * it is emptied (the entries are cheap to look up again, and this keeps every call O(1)).
 */
export class TtlCache<K, V> {
  readonly #ttlMs: number;
  readonly #limit: number;
  readonly #entries = new Map<K, { value: V; expires: number }>();

  constructor(ttlMs: number, limit: number) {
    this.#ttlMs = ttlMs;
    this.#limit = limit;
  }

  /** The value and until when it may be used, if set less than the TTL ago. */
  entry(key: K, now = Date.now()): { value: V; expires: number } | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expires > now ? entry : undefined;
  }

  get(key: K, now = Date.now()): V | undefined {
    return this.entry(key, now)?.value;
  }

  set(key: K, value: V, now = Date.now()): void {
    if (this.#entries.size >= this.#limit) this.#entries.clear();
    this.#entries.set(key, { value, expires: now + this.#ttlMs });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Deletes every entry whose value matches: a pass over them all, for changes that are rare. */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.#entries) if (matches(entry.value)) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
