import type { RateLimitConfig } from '../config.ts';

export interface RateLimiter {
  /** Records a request for this identity; returns the wait in whole seconds if it is refused. */
  hit(identity: string, now?: number): Promise<number | null>;
  close(): Promise<void>;
}

/**
 * DRF's SimpleRateThrottle, one sliding-window log per (window, identity), kept in this process.
 * Every window is evaluated and records the request when it allows it, as DRF's check_throttles
 * does; the answer is the longest wait of the refusing windows, rounded up.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #config: RateLimitConfig;
  readonly #history = new Map<string, number[]>();

  constructor(config: RateLimitConfig) {
    this.#config = config;
  }

  async hit(identity: string, now = Date.now()): Promise<number | null> {
    let wait: number | null = null;
    for (const window of this.#config.windows) {
      const key = `${window.name}:${identity}`;
      const durationMs = window.seconds * 1000;
      let history = this.#history.get(key);
      if (!history) {
        history = [];
        this.#history.set(key, history);
      }
      // history is oldest-first; drop what fell out of the window.
      let expired = 0;
      while (expired < history.length && history[expired] <= now - durationMs) expired++;
      if (expired > 0) history.splice(0, expired);
      if (history.length >= window.limit) {
        const remaining = durationMs - (now - history[0]);
        const available = window.limit - history.length + 1;
        const seconds = Math.ceil(remaining / available / 1000);
        wait = Math.max(wait ?? 0, seconds);
      } else {
        history.push(now);
      }
    }
    return wait;
  }

  async close(): Promise<void> {
    this.#history.clear();
  }
}
