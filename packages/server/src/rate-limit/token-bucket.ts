/**
 * Token buckets refilled lazily: a bucket holds its token count and when it was last
 * refilled, and catches up on the next look. No timer, whatever the number of buckets.
 */

/** A bucket's shape: `rate` tokens added per second, up to `burst` held at once. */
export interface BucketRule {
  /** Tokens per second (> 0). */
  readonly rate: number;
  /** Capacity, and what a new bucket starts with (>= 1). */
  readonly burst: number;
}

/**
 * Milliseconds from a monotonic clock: wall-clock steps (NTP, a user changing the time)
 * neither refill nor drain a bucket.
 */
export function monotonicMs(): number {
  return performance.now();
}

export class TokenBucket {
  #tokens: number;
  #stamp: number;

  constructor(rule: BucketRule, now: number) {
    this.#tokens = rule.burst;
    this.#stamp = now;
  }

  /**
   * Milliseconds until one token is available (0: one is there now), after adding what
   * accrued since the last look.
   */
  wait(rule: BucketRule, now: number): number {
    const elapsed = now - this.#stamp;
    if (elapsed > 0) {
      this.#tokens = Math.min(rule.burst, this.#tokens + (elapsed * rule.rate) / 1000);
      this.#stamp = now;
    }
    if (this.#tokens >= 1) return 0;
    return Math.ceil(((1 - this.#tokens) * 1000) / rule.rate);
  }

  /** Takes one token; call only after `wait` returned 0. */
  take(): void {
    this.#tokens -= 1;
  }

  /** Whether the bucket is full as of `now`: it then holds nothing a fresh one would not. */
  isFull(rule: BucketRule, now: number): boolean {
    return this.wait(rule, now) === 0 && this.#tokens >= rule.burst;
  }
}

/** Validates `{ rate, burst }` from user options; `burst` defaults to one second's worth. */
export function bucketRule(name: string, rate: unknown, burst: unknown): BucketRule {
  if (typeof rate !== "number" || !(rate > 0) || !Number.isFinite(rate)) {
    throw new TypeError(`option ${name}.rate must be a positive number, got ${String(rate)}`);
  }
  const capacity = burst === undefined ? Math.max(1, Math.ceil(rate)) : burst;
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1) {
    throw new TypeError(`option ${name}.burst must be an integer >= 1, got ${String(burst)}`);
  }
  return Object.freeze({ rate, burst: capacity });
}
