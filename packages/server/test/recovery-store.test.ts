import { afterEach, describe, expect, it, vi } from "vitest";
import {
  FROM_SESSION_START,
  type NotRestored,
  type RecoveryOptions,
  type RestoredSession,
} from "../src/adapter/adapter.js";
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

/** The restored session, failing the test with the reason when there is none. */
function restored(result: RestoredSession | NotRestored | null): RestoredSession {
  if (result === null || "reason" in result) {
    throw new Error(`not restored: ${result?.reason ?? "unknown"}`);
  }
  return result;
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
    const taken = restored(store.restore("a", first));
    expect(taken).toMatchObject({ sid: "sid-a", pid: "a", rooms: ["a", "room1"] });
    expect(taken.data).toEqual({ pid: "a" });
    expect(taken.missedPackets).toEqual([["p1"], ["p4"], ["p5"]]);
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
      expect(store.restore("a", offset), offset).toEqual({ reason: "history_evicted" });
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
    // p1 is gone: what the client missed cannot be told ("insufficient state").
    expect(byCount.restore("a", o0)).toEqual({ reason: "history_evicted" });
    byCount.persist(session("a"));
    expect(restored(byCount.restore("a", o1)).missedPackets).toEqual([["p2"], ["p3"]]);

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
    store.persist(session("c"));
    vi.advanceTimersByTime(500);
    expect(store.restore("a", offset)).not.toBeNull();
    // Past the window, before the sweep: known, and expired.
    vi.setSystemTime(Date.now() + 600);
    expect(store.restore("c", offset)).toEqual({ reason: "session_expired" });
    vi.advanceTimersByTime(1600);
    expect(store.sessionCount).toBe(0);
    expect(store.packetCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(store.restore("b", offset)).toBeNull();
  });

  it("hands a session over with each packet's cluster-wide id, then the packets kept since", () => {
    const store = new RecoveryStore(OPTS);
    const first = push(store, "p0");
    store.persist(session("a", ["a", "r"]));
    const own = push(store, "p1", { rooms: new Set(["r"]) });
    store.push(["p2"], { rooms: new Set(["r"]) }, "elsewhere.7"); // from another server
    const taken = store.handOver("a", first);
    if (taken === null || "reason" in taken) throw new Error("not handed over");
    expect(taken.session.missedPackets).toEqual([["p1"], ["p2"]]);
    expect(taken.ids).toEqual([own, "elsewhere.7"]);
    expect(store.sessionCount).toBe(0);

    // What the rooms get after the answer, until the new server hears them itself.
    const p3 = push(store, "p3", { rooms: new Set(["r"]) });
    push(store, "p4", { rooms: new Set(["other"]) });
    expect(store.packetsFrom(taken.from, ["a", "r"])).toEqual({ ids: [p3], frames: [["p3"]] });
    expect(store.packetsFrom("garbage", ["a"])).toBeNull();
  });

  it("packetsFrom refuses a position whose packets were dropped", () => {
    const store = new RecoveryStore({ ...OPTS, maxPackets: 2 });
    const first = push(store, "p0");
    store.persist(session("a"));
    const taken = store.handOver("a", first);
    if (taken === null || "reason" in taken) throw new Error("not handed over");
    for (let i = 1; i <= 3; i++) push(store, `p${i}`);
    expect(store.packetsFrom(taken.from, ["a"])).toBeNull();
  });

  it("capture() reports every packet kept for the rooms until closed", () => {
    const store = new RecoveryStore(OPTS);
    const got: [string, unknown][] = [];
    const capture = store.capture(["r"], (id, frames) => got.push([id, frames]));
    const p0 = push(store, "p0", { rooms: new Set(["r"]) });
    push(store, "p1", { rooms: new Set(["x"]) });
    store.push(["p2"], ALL, "o.1");
    capture.close();
    push(store, "p3", { rooms: new Set(["r"]) });
    expect(got).toEqual([
      [p0, ["p0"]],
      ["o.1", ["p2"]],
    ]);
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

  describe("without an offset (FROM_SESSION_START): from when the session began", () => {
    it("replays what targeted the session since it began, nothing from before", () => {
      vi.useFakeTimers({ now: 10_000 });
      const store = new RecoveryStore(OPTS);
      push(store, "before", { rooms: new Set(["room1"]) });
      vi.setSystemTime(10_005);
      const since = Date.now();
      push(store, "p1", { rooms: new Set(["room1"]) });
      push(store, "p2", { rooms: new Set(["room2"]) });
      vi.setSystemTime(10_009);
      push(store, "p3");
      store.persist({ ...session("a", ["a", "room1"]), since });
      const taken = restored(store.restore("a", FROM_SESSION_START));
      expect(taken.missedPackets).toEqual([["p1"], ["p3"]]);
    });

    it("restores with nothing missed when nothing was stored since it began", () => {
      vi.useFakeTimers({ now: 10_000 });
      const store = new RecoveryStore(OPTS);
      push(store, "before");
      vi.setSystemTime(10_001);
      store.persist({ ...session("a"), since: Date.now() });
      expect(restored(store.restore("a", FROM_SESSION_START)).missedPackets).toEqual([]);
    });

    it("refuses when a packet stored since the session began was dropped, or the start is unknown", () => {
      vi.useFakeTimers({ now: 10_000 });
      const store = new RecoveryStore({ ...OPTS, maxPackets: 2 });
      const since = Date.now();
      for (const text of ["p0", "p1", "p2"]) push(store, text, { rooms: new Set(["other"]) });
      store.persist({ ...session("a"), since });
      // p0 went (maxPackets): it did not target "a", but nothing tells what a dropped packet did.
      expect(store.restore("a", FROM_SESSION_START)).toEqual({ reason: "history_evicted" });
      store.persist(session("b"));
      expect(store.restore("b", FROM_SESSION_START)).toEqual({ reason: "history_evicted" });
      // A session begun after the drop is told exactly.
      vi.setSystemTime(10_001);
      store.persist({ ...session("c"), since: Date.now() });
      expect(restored(store.restore("c", FROM_SESSION_START)).missedPackets).toEqual([]);
    });

    it("hands a session over from its start, with the packets' ids", () => {
      vi.useFakeTimers({ now: 10_000 });
      const store = new RecoveryStore(OPTS);
      push(store, "before");
      vi.setSystemTime(10_001);
      const since = Date.now();
      const p1 = push(store, "p1");
      store.push(["p2"], ALL, "o.7");
      store.persist({ ...session("a"), since });
      const taken = store.handOver("a", FROM_SESSION_START);
      expect(taken).toMatchObject({ ids: [p1, "o.7"], from: store.nextOffset() });
    });
  });
});
