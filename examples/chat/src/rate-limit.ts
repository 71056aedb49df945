/**
 * Token-bucket rate limiting, per key (the chat keys by nickname, so opening a second tab
 * does not double someone's allowance).
 *
 * A bucket holds up to `capacity` tokens and gains `refillPerSecond` tokens per second; each
 * action takes one. Bursts up to `capacity` pass, then the sustained rate is the refill rate.
 */

export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
  /** Injected for tests; defaults to a monotonic clock. */
  now?: () => number;
  /** Buckets idle this long are dropped, so memory follows active users, not all-time users. */
  idleMs?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export class TokenBucket {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(capacity: number, refillPerSecond: number, now: number) {
    if (!(capacity >= 1) || !(refillPerSecond > 0)) {
      throw new RangeError("capacity must be >= 1 and refillPerSecond > 0");
    }
    this.#capacity = capacity;
    this.#refillPerMs = refillPerSecond / 1000;
    this.#tokens = capacity;
    this.#updatedAt = now;
  }

  /** Takes one token when available; otherwise says how long until one is. */
  take(now: number): RateDecision {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - this.#tokens) / this.#refillPerMs) };
  }

  /** True when the bucket is full again, i.e. forgetting it changes nothing. */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#capacity;
  }

  #refill(now: number): void {
    // A clock that goes backwards (it should not, it is monotonic) must not drain the bucket.
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#refillPerMs);
    this.#updatedAt = now;
  }
}

export class RateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #capacity: number;
  readonly #refillPerSecond: number;
  readonly #now: () => number;
  readonly #idleMs: number;
  #lastSweep: number;

  constructor(options: RateLimitOptions) {
    this.#capacity = options.capacity;
    this.#refillPerSecond = options.refillPerSecond;
    this.#now = options.now ?? (() => performance.now());
    this.#idleMs = options.idleMs ?? 60_000;
    this.#lastSweep = this.#now();
    // Validate eagerly so a bad configuration fails at startup, not on the first message.
    new TokenBucket(this.#capacity, this.#refillPerSecond, 0);
  }

  take(key: string): RateDecision {
    const now = this.#now();
    this.#sweep(now);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#capacity, this.#refillPerSecond, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  /** How many keys are tracked (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Sweeps lazily, at most once per idle period, so `take` stays O(1) amortised. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#idleMs) return;
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.isFull(now)) this.#buckets.delete(key);
    }
  }
}
