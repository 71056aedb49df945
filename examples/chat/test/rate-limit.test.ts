import { describe, expect, it } from "vitest";
import { RateLimiter, TokenBucket } from "../src/rate-limit.js";

describe("TokenBucket", () => {
  it("lets a burst of `capacity` through, then refuses with the wait until the next token", () => {
    const bucket = new TokenBucket(3, 2, 0); // 2 tokens per second → one every 500 ms
    expect(bucket.take(0)).toEqual({ allowed: true });
    expect(bucket.take(0)).toEqual({ allowed: true });
    expect(bucket.take(0)).toEqual({ allowed: true });
    expect(bucket.take(0)).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(bucket.take(200)).toEqual({ allowed: false, retryAfterMs: 300 });
    expect(bucket.take(500)).toEqual({ allowed: true });
    expect(bucket.take(500).allowed).toBe(false);
  });

  it("refills at the configured rate but never above capacity", () => {
    const bucket = new TokenBucket(2, 1, 0);
    bucket.take(0);
    bucket.take(0);
    // After a long pause only `capacity` tokens are available, not 100.
    expect(bucket.take(100_000).allowed).toBe(true);
    expect(bucket.take(100_000).allowed).toBe(true);
    expect(bucket.take(100_000).allowed).toBe(false);
  });

  it("ignores a clock that goes backwards instead of draining", () => {
    const bucket = new TokenBucket(1, 1, 1_000);
    expect(bucket.take(1_000).allowed).toBe(true);
    expect(bucket.take(500).allowed).toBe(false);
    expect(bucket.take(2_000).allowed).toBe(true);
  });

  it("rejects nonsensical settings", () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0, 0)).toThrow(RangeError);
    expect(() => new RateLimiter({ capacity: 5, refillPerSecond: -1 })).toThrow(RangeError);
  });
});

describe("RateLimiter", () => {
  it("keeps one bucket per key", () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 2, refillPerSecond: 1, now: () => now });
    expect(limiter.take("alice").allowed).toBe(true);
    expect(limiter.take("alice").allowed).toBe(true);
    expect(limiter.take("alice").allowed).toBe(false);
    expect(limiter.take("bob").allowed).toBe(true);
    now = 1_000;
    expect(limiter.take("alice").allowed).toBe(true);
  });

  it("forgets idle keys whose buckets are full again, so memory follows active users", () => {
    let now = 0;
    const limiter = new RateLimiter({
      capacity: 2,
      refillPerSecond: 1,
      idleMs: 10_000,
      now: () => now,
    });
    for (let i = 0; i < 50; i++) limiter.take(`user-${i}`);
    expect(limiter.size).toBe(50);
    now = 10_000;
    limiter.take("late");
    expect(limiter.size).toBe(1);
  });

  it("limits a flood to the burst plus the refill over its duration", () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 8, refillPerSecond: 1, now: () => now });
    let allowed = 0;
    // 100 attempts spread over 5 simulated seconds.
    for (let i = 0; i < 100; i++) {
      now = i * 50;
      if (limiter.take("flooder").allowed) allowed++;
    }
    expect(allowed).toBe(8 + 4);
  });
});
