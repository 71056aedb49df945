import { afterEach, expect, it } from "vitest";
import type { CommandClient } from "../src/durable/store.js";
import { RedisReliableStore } from "../src/reliable/redis-reliable-store.js";
import { type GatedRedis, gatedRedis } from "./fixtures/gated-redis.js";
import { describeRedis, waitFor } from "./helpers.js";

// Issue 14: after a Redis restart (its script cache empty), reliable emits were stored out of
// the order they were made in. The store sent EVALSHA and, on NOSCRIPT, the same command again
// as EVAL; an add made after the first EVAL had reached Redis went as EVALSHA and found the
// script loaded, so it was stored before an earlier add whose NOSCRIPT reply was read later
// (replies split across reads, on a loaded machine). Here the split is made on purpose: a gate
// in front of a private redis-server lets the first NOSCRIPT reply through and holds the next.

describeRedis("RedisReliableStore: call order across a script cache loss", () => {
  let redis: GatedRedis | undefined;

  afterEach(async () => {
    await redis?.close();
    redis = undefined;
  });

  it("adds made in order get increasing ids though their NOSCRIPT replies are read apart", async () => {
    redis = await gatedRedis();
    const { admin, viaGate, gate } = redis;
    const store = new RedisReliableStore(viaGate as unknown as CommandClient, {
      maxPerSession: 100,
      windowMs: 30_000,
      key: "order",
      nsp: "/",
    });
    const pid = "p1";
    const hash = store.keyOf(pid);
    const top = async () => Number((await admin.hGet(hash, "n")) ?? "0");

    expect(await store.add(pid, ["warm"], 0)).toBe(1); // the script is known from here on
    await admin.scriptFlush(); // what a restarted Redis forgets
    const g = gate;
    g.hold();
    const a = store.add(pid, ["a"], 0);
    const b = store.add(pid, ["b"], 0);
    await waitFor(() => g.heldLines().length >= 2, "both replies held");
    // The first reply only: the store reacts to it (a retry, if it failed) before it reads
    // the second one.
    g.releaseLine();
    await waitFor(async () => (await top()) >= 2, "a stored");
    const before = await top();
    const c = store.add(pid, ["c"], 0);
    await waitFor(async () => (await top()) > before, "c stored");
    g.open();
    const seqs = await Promise.all([a, b, c]);
    console.info(`ids of a, b, c: ${seqs.join(", ")}`);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const pending = await store.pending(pid);
    expect(pending.map((e) => e.data[0])).toEqual(["warm", "a", "b", "c"]);
  });
});
