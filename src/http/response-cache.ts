/**
 * Rendered response bodies, each valid while the database's commit state is the one it was
 * rendered under (Dialect.commitState) and until its own deadline (the user names it shows
 * are remembered for a while, accounts/user-cache.ts). A hit is exact: nothing was committed
 * anywhere since the body was read, so the database would answer the same bytes. Bodies are
 * kept as the bytes sent, least recently used first out once `maxBytes` would be exceeded.
 */
export class ResponseCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, { state: string; body: Buffer; expires: number }>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get enabled(): boolean {
    return this.#maxBytes > 0;
  }

  /** The body stored under `key` if it was rendered under `state` and has not expired. */
  get(key: string, state: string, now = Date.now()): Buffer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.state !== state || entry.expires <= now) {
      this.#delete(key, entry.body.length);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.body;
  }

  set(key: string, state: string, body: Buffer, expires: number): void {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#delete(key, old.body.length);
    // One body may take an eighth of the cache at most, so a few huge pages cannot flush it.
    if (body.length > this.#maxBytes / 8) return;
    while (this.#bytes + body.length > this.#maxBytes) {
      const [oldestKey, oldest] = this.#entries.entries().next().value as [string, { body: Buffer }];
      this.#delete(oldestKey, oldest.body.length);
    }
    this.#entries.set(key, { state, body, expires });
    this.#bytes += body.length;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  #delete(key: string, bytes: number): void {
    this.#entries.delete(key);
    this.#bytes -= bytes;
  }
}
