import { afterEach, expect, it } from "vitest";
import { type AppendSettings, appendScript } from "../src/durable/scripts.js";
import { type CommandClient, RedisDurableStore } from "../src/durable/store.js";
import { type GatedRedis, gatedRedis } from "./fixtures/gated-redis.js";
import { describeRedis, waitFor } from "./helpers.js";

// Durable sessions store each broadcast with EVALSHA of the append script. After a Redis
// restart (script cache empty) the first appends fail with NOSCRIPT; an append made once the
// script was back found it loaded and was stored before an earlier append's retry, so the
// history (and what recovering clients replay) no longer followed one server's call order.
// The gate in front of a private redis-server makes that interleaving on purpose: it lets the
// first NOSCRIPT reply through and holds the second until a later append has run.

const SETTINGS: AppendSettings = {
  publish: "PUBLISH",
  markerChannel: "order-test-markers",
  windowMs: 60_000,
  maxEntries: 1000,
  epoch: "e1",
};

describeRedis("RedisDurableStore: appends keep call order across a script cache loss", () => {
  let redis: GatedRedis | undefined;

  afterEach(async () => {
    await redis?.close();
    redis = undefined;
  });

  async function setUp() {
    redis = await gatedRedis();
    const { admin, viaGate, gate } = redis;
    const store = new RedisDurableStore(viaGate as unknown as CommandClient, {
      key: "order",
      nsp: "/",
      windowMs: 60_000,
    });
    const stored = async () =>
      (await admin.xRange(store.streamKey, "-", "+")).map((e) => e.message.m);
    return { admin, gate, store, stored };
  }

  it("an append made after the script came back is stored after an earlier one's retry", async () => {
    const { admin, gate: g, store, stored } = await setUp();
    await store.append(SETTINGS, "", "warm", 1); // the script is known from here on
    await admin.scriptFlush(); // what a restarted Redis forgets
    g.hold();
    const a = store.append(SETTINGS, "", "a", 2);
    const b = store.append(SETTINGS, "", "b", 3);
    await waitFor(() => g.heldLines().length >= 2, "both NOSCRIPT replies held");
    // a's reply only: the store sends a again (loading the script) before it reads b's.
    g.releaseLine();
    await waitFor(async () => (await stored()).includes("a"), "a stored");
    const held = g.heldLines().length;
    const c = store.append(SETTINGS, "", "c", 4);
    // c has run in Redis (stored, or refused) before b's NOSCRIPT reply is read.
    await waitFor(() => g.heldLines().length > held, "c answered by Redis");
    g.open();
    const offsets = await Promise.all([a, b, c]);
    expect(await stored()).toEqual(["warm", "a", "b", "c"]);
    const ids = offsets.map((o) =>
      o
        .slice(o.indexOf(":") + 1)
        .split("-")
        .map(Number),
    );
    for (let i = 1; i < ids.length; i++) expect(ids[i]?.[1]).toBeGreaterThan(ids[i - 1]?.[1] ?? 0);
  });

  it("appends pipelined behind NOSCRIPT failures wait when another server reloads the script", async () => {
    const { admin, gate: g, store, stored } = await setUp();
    await store.append(SETTINGS, "", "warm", 1);
    await admin.scriptFlush();
    g.hold();
    const sent: Promise<string>[] = [];
    const append = (i: number) => sent.push(store.append(SETTINGS, "", `m${i}`, i + 2));
    for (let i = 0; i < 50; i++) append(i);
    await waitFor(() => g.heldLines().length >= 50, "the first 50 refused with NOSCRIPT");
    // Another server loads the same script (after its own restart): the next appends of
    // this one find it and run at once, while the first 50 still wait for their retries.
    await admin.sendCommand(["SCRIPT", "LOAD", appendScript(SETTINGS).source]);
    for (let i = 50; i < 100; i++) append(i);
    await waitFor(() => g.heldLines().length >= 100, "the next 50 answered by Redis");
    g.open();
    await Promise.all(sent);
    expect(await stored()).toEqual(["warm", ...Array.from({ length: 100 }, (_, i) => `m${i}`)]);
  });
});
