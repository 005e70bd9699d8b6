/**
 * Writes that an answer need not wait for (when a key or a session was last used): started at
 * once, failures reported rather than thrown, and awaited before the database closes.
 */
export class BackgroundWrites {
  readonly #pending = new Set<Promise<void>>();
  /** Where a failed write is told; the app points it at its log. */
  report: (error: unknown) => void = () => {};

  run(write: () => Promise<unknown>): void {
    const pending = write().then(
      () => undefined,
      (error: unknown) => this.report(error),
    );
    this.#pending.add(pending);
    void pending.finally(() => this.#pending.delete(pending));
  }

  /** Resolves once every write started so far has finished. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
