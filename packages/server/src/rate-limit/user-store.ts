import { monotonicMs } from "./token-bucket.js";

/**
 * Where per-user event counts live: a fixed window per identity that starts at its first
 * event and lasts `windowMs`. Two implementations: `MemoryUserRateStore` (one server) and
 * `RedisUserRateStore` in `@parley/redis-adapter` (every server sharing a Redis).
 *
 * Guarantee: within one window at most `limit` calls for a key return 0, over every caller of
 * the store. A window is fixed, so up to 2 × `limit` can pass within `windowMs` across a
 * window boundary.
 */
export interface UserRateStore {
  /**
   * Counts one event for `key`: 0 when it is within `limit` for the current window, else
   * the milliseconds until that window ends (> 0).
   */
  consume(key: string, limit: number, windowMs: number): number | Promise<number>;
}

interface Window {
  count: number;
  endsAt: number;
}

/** Calls between sweeps of ended windows: memory stays bounded by the active identities. */
const SWEEP_EVERY = 1024;

/** Per-user counts in this process (the default store: limits one server, not a cluster). */
export class MemoryUserRateStore implements UserRateStore {
  readonly #windows = new Map<string, Window>();
  #calls = 0;

  consume(key: string, limit: number, windowMs: number): number {
    const now = monotonicMs();
    if (++this.#calls % SWEEP_EVERY === 0) this.#sweep(now);
    let window = this.#windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.#windows.set(key, window);
    }
    window.count++;
    return window.count <= limit ? 0 : Math.max(1, Math.ceil(window.endsAt - now));
  }

  /** Identities with a window open (for tests and tools). */
  get size(): number {
    return this.#windows.size;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (window.endsAt <= now) this.#windows.delete(key);
    }
  }
}
