import { afterEach, describe, expect, it, vi } from "vitest";
import type { RecoveryOptions } from "../src/adapter/adapter.js";
import { RecoveryStore } from "../src/adapter/recovery-store.js";

const OPTS: RecoveryOptions = {
  maxDisconnectionDuration: 1000,
  skipMiddlewares: true,
  maxSessions: 100,
  maxPackets: 100,
  maxBytes: 1 << 20,
};

const ALL = { rooms: new Set<string>() };

function session(pid: string, rooms: string[] = [pid]) {
  return { sid: `sid-${pid}`, pid, rooms, data: { pid } };
}

/** Pushes a one-frame packet whose text is `text`; returns the offset it carries. */
function push(
  store: RecoveryStore,
  text: string,
  opts: Parameters<RecoveryStore["push"]>[1] = ALL,
) {
  const offset = store.nextOffset();
  store.push([text], opts);
  return offset;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("RecoveryStore", () => {
  it("replays the packets after the offset that targeted the session, in order, once", () => {
    const store = new RecoveryStore(OPTS);
    const first = push(store, "p0");
    store.persist(session("a", ["a", "room1"]));
    push(store, "p1", { rooms: new Set(["room1"]) });
    push(store, "p2", { rooms: new Set(["room2"]) });
    push(store, "p3", { rooms: new Set(), except: new Set(["room1"]) });
    push(store, "p4");
    push(store, "p5", { rooms: new Set(["a"]) });
    const restored = store.restore("a", first);
    expect(restored).toMatchObject({ sid: "sid-a", pid: "a", rooms: ["a", "room1"] });
    expect(restored?.data).toEqual({ pid: "a" });
    expect(restored?.missedPackets).toEqual([["p1"], ["p4"], ["p5"]]);
    expect(store.restore("a", first)).toBeNull();
    expect(store.sessionCount).toBe(0);
  });

  it("refuses offsets from another store, garbage, and offsets never issued", () => {
    const store = new RecoveryStore(OPTS);
    const other = new RecoveryStore(OPTS);
    const foreign = other.nextOffset();
    other.push(["x"], ALL);
    push(store, "p0");
    for (const offset of [
      foreign,
      "",
      "abc",
      `${store.nextOffset()}`,
      "x.1",
      "..",
      `${foreign}0`,
    ]) {
      store.persist(session("a"));
      expect(store.restore("a", offset), offset).toBeNull();
    }
  });

  it("drops the oldest packets past maxPackets and maxBytes, and then cannot recover older offsets", () => {
    const byCount = new RecoveryStore({ ...OPTS, maxPackets: 2 });
    const o0 = push(byCount, "p0");
    const o1 = push(byCount, "p1");
    push(byCount, "p2");
    push(byCount, "p3");
    expect(byCount.packetCount).toBe(2);
    byCount.persist(session("a"));
    expect(byCount.restore("a", o0)).toBeNull(); // p1 is gone
    byCount.persist(session("a"));
    expect(byCount.restore("a", o1)?.missedPackets).toEqual([["p2"], ["p3"]]);

    const bySize = new RecoveryStore({ ...OPTS, maxBytes: 3 * (64 + 100) });
    for (let i = 0; i < 10; i++) push(bySize, `${i}`.padEnd(100, "x"));
    expect(bySize.packetCount).toBe(3);
  });

  it("forgets the oldest session past maxSessions", () => {
    const store = new RecoveryStore({ ...OPTS, maxSessions: 2 });
    const offset = push(store, "p0");
    store.persist(session("a"));
    store.persist(session("b"));
    store.persist(session("c"));
    expect(store.sessionCount).toBe(2);
    expect(store.restore("a", offset)).toBeNull();
    expect(store.restore("b", offset)).not.toBeNull();
    expect(store.restore("c", offset)).not.toBeNull();
  });

  it("expires sessions and packets after maxDisconnectionDuration, then stops sweeping", () => {
    vi.useFakeTimers();
    const store = new RecoveryStore(OPTS);
    const offset = push(store, "p0");
    store.persist(session("a"));
    store.persist(session("b"));
    vi.advanceTimersByTime(500);
    expect(store.restore("a", offset)).not.toBeNull();
    vi.advanceTimersByTime(1600);
    expect(store.sessionCount).toBe(0);
    expect(store.packetCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(store.restore("b", offset)).toBeNull();
  });

  it("clear() forgets everything and stops the timer", () => {
    vi.useFakeTimers();
    const store = new RecoveryStore(OPTS);
    const offset = push(store, "p0");
    store.persist(session("a"));
    expect(vi.getTimerCount()).toBe(1);
    store.clear();
    expect(vi.getTimerCount()).toBe(0);
    expect(store.restore("a", offset)).toBeNull();
    expect(store.packetCount).toBe(0);
  });
});
