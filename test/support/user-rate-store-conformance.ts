// The one suite every UserRateStore runs (memory in @parley/server, Redis in
// @parley/redis-adapter): the guarantee in its doc comment, checked the same way for both.
import { expect, it } from "vitest";
import type { UserRateStore } from "../../packages/server/src/rate-limit/user-store.js";

export interface UserRateStoreHarness {
  /** Stores sharing one set of counts (two servers on one Redis; the same object in memory). */
  make(): Promise<[UserRateStore, UserRateStore]>;
  /** A name no other test uses. */
  key(name: string): string;
}

export function userRateStoreConformance(name: string, harness: UserRateStoreHarness): void {
  it(`${name}: at most \`limit\` events per key per window, keys apart, then the time left`, async () => {
    const [store] = await harness.make();
    const alice = harness.key("alice");
    const bob = harness.key("bob");
    for (let i = 0; i < 3; i++) expect(await store.consume(alice, 3, 600_000)).toBe(0);
    const wait = await store.consume(alice, 3, 600_000);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(600_000);
    expect(await store.consume(bob, 3, 600_000)).toBe(0);
  });

  it(`${name}: concurrent events from two stores: exactly \`limit\` pass`, async () => {
    const [a, b] = await harness.make();
    const key = harness.key("shared");
    const verdicts = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).consume(key, 7, 600_000)),
    );
    expect(verdicts.filter((v) => v === 0)).toHaveLength(7);
    expect(verdicts.filter((v) => v > 0)).toHaveLength(33);
  });

  it(`${name}: a new window starts once the last one ended`, async () => {
    const [store] = await harness.make();
    const key = harness.key("window");
    expect(await store.consume(key, 1, 30)).toBe(0);
    expect(await store.consume(key, 1, 30)).toBeGreaterThan(0);
    // Waiting at least the window (longer on a busy machine changes nothing).
    await new Promise((r) => setTimeout(r, 60));
    expect(await store.consume(key, 1, 30)).toBe(0);
  });
}
