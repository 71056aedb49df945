import { describe, expect, it } from "vitest";
import { bucketRule, TokenBucket } from "../../src/rate-limit/token-bucket.js";
import { MemoryUserRateStore } from "../../src/rate-limit/user-store.js";

// The bucket takes the time as an argument: refill is tested on a made-up clock, not a real one.
describe("TokenBucket", () => {
  it("starts full, empties by one per take, and refills at `rate` per second up to `burst`", () => {
    const rule = bucketRule("t", 2, 3);
    const bucket = new TokenBucket(rule, 0);
    for (let i = 0; i < 3; i++) {
      expect(bucket.wait(rule, 0)).toBe(0);
      bucket.take();
    }
    expect(bucket.wait(rule, 0)).toBe(500);
    expect(bucket.wait(rule, 250)).toBe(250);
    expect(bucket.wait(rule, 500)).toBe(0);
    bucket.take();
    expect(bucket.wait(rule, 500)).toBe(500);
    // A long pause refills to `burst`, never beyond.
    expect(bucket.isFull(rule, 60_000)).toBe(true);
    for (let i = 0; i < 3; i++) bucket.take();
    expect(bucket.wait(rule, 60_000)).toBe(500);
  });

  it("a clock that goes back neither refills nor drains", () => {
    const rule = bucketRule("t", 1, 1);
    const bucket = new TokenBucket(rule, 1000);
    bucket.take();
    expect(bucket.wait(rule, 0)).toBe(1000);
    expect(bucket.wait(rule, 1500)).toBe(500);
  });

  it("burst defaults to one second's worth; bad rules throw with the option's name", () => {
    expect(bucketRule("x", 10, undefined)).toEqual({ rate: 10, burst: 10 });
    expect(bucketRule("x", 0.5, undefined)).toEqual({ rate: 0.5, burst: 1 });
    expect(() => bucketRule("rateLimit.events", 0, 1)).toThrow(/rateLimit\.events\.rate/);
    expect(() => bucketRule("rateLimit.events", 1, 0.5)).toThrow(/rateLimit\.events\.burst/);
    expect(() => bucketRule("rateLimit.events", Number.NaN, 1)).toThrow(TypeError);
  });
});

describe("MemoryUserRateStore", () => {
  it("lets `limit` events per key through in a window, then answers the time left", () => {
    const store = new MemoryUserRateStore();
    for (let i = 0; i < 3; i++) expect(store.consume("alice", 3, 60_000)).toBe(0);
    const wait = store.consume("alice", 3, 60_000);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(store.consume("bob", 3, 60_000)).toBe(0);
    expect(store.size).toBe(2);
  });
});
