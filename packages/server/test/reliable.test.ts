import { io as officialClient } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { ServerOptions, Socket } from "../src/index.js";
import { reliableNamespace } from "../src/reliable/registry.js";
import { type Harness, next, startServer, until } from "./helpers.js";

// Reliable (at-least-once) emits on one server, the memory store: a dropped connection, lost
// acknowledgements, the Parley client's dedup, what official clients get, and the errors.

interface AnyClient {
  id: string | undefined;
  connected: boolean;
  recovered: boolean;
  io: { engine: { close(): void } | undefined };
  on(event: string, fn: (...args: never[]) => void): unknown;
  onAny(fn: (...args: never[]) => void): unknown;
  disconnect(): unknown;
}
type MakeClient = (url: string, opts: Record<string, unknown>) => unknown;

const PARLEY_CLIENT = "@parley/client";
const { io: parleyClient, reliable } = (await import(PARLEY_CLIENT)) as {
  io: MakeClient;
  reliable: <S>(socket: S, opts?: { window?: number }) => S;
};

let h: Harness | undefined;
const clients: AnyClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await h?.close();
  h = undefined;
});

async function setup(opts: ServerOptions = {}): Promise<Harness> {
  h = await startServer({
    pingInterval: 200,
    pingTimeout: 400,
    connectionStateRecovery: { maxDisconnectionDuration: 5000 },
    ...opts,
  });
  return h;
}

function connect(make: MakeClient, url: string, dedup: boolean): AnyClient {
  let c = make(url, {
    forceNew: true,
    transports: ["websocket"],
    reconnectionDelay: 20,
    reconnectionDelayMax: 20,
  }) as AnyClient;
  if (dedup) c = reliable(c);
  clients.push(c);
  return c;
}

function nextServerSocket(harness: Harness): Promise<Socket> {
  return next<[Socket]>(harness.io, "connection").then(([s]) => s);
}

function pendingOf(harness: Harness, socket: Socket): Promise<number[]> {
  const ns = reliableNamespace(
    harness.io.of("/").adapter,
    harness.io.of("/")._recovery as NonNullable<ReturnType<typeof harness.io.of>["_recovery"]>,
    () => {},
  );
  return ns.store.pending(socket._pid as string).then((e) => e.map((x) => x.seq));
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe("reliable emits, one server (memory store)", () => {
  it("reach the Parley client once each, in order, unwrapped; acks empty the store", async () => {
    const harness = await setup();
    const first = nextServerSocket(harness);
    const c = connect(parleyClient, harness.url, true);
    const got: unknown[] = [];
    const wrapped: unknown[] = [];
    c.on("n", ((n: number, extra: { k: string }, ack: unknown) => {
      got.push([n, extra.k, typeof ack]);
    }) as never);
    c.onAny(((event: string) => wrapped.push(event)) as never);
    const s = await first;
    // The announcement is Parley's, not the app's.
    expect(s.handshake.auth).toEqual({});
    await Promise.all(range(1, 30).map((n) => s.reliable.emit("n", n, { k: `v${n}` })));
    await until(() => got.length === 30, "30 packets");
    expect(got).toEqual(range(1, 30).map((n) => [n, `v${n}`, "function"]));
    expect(new Set(wrapped)).toEqual(new Set(["parley:reliable"]));
    await expect.poll(() => pendingOf(harness, s), { timeout: 5000, interval: 10 }).toEqual([]);
  });

  it("a dropped connection: lost acks and packets emitted while away arrive once, in order", async () => {
    const harness = await setup();
    const first = nextServerSocket(harness);
    const c = connect(parleyClient, harness.url, true);
    const got: number[] = [];
    c.on("n", ((n: number) => {
      got.push(n);
      // Drop the connection from inside the handler: this packet's ack, and the next
      // packets' delivery, are lost with it.
      if (n === 5) c.io.engine?.close();
    }) as never);
    const s1 = await first;
    const gone = next(s1, "disconnect");
    const second = nextServerSocket(harness);
    const stored = range(1, 10).map((n) => s1.reliable.emit("n", n));
    await Promise.all(stored);
    await gone;
    // Emitted on the socket object of the dropped connection: kept for the session (or, once
    // it is back, sent through its new socket).
    await Promise.all(range(11, 20).map((n) => s1.reliable.emit("n", n)));
    const s2 = await second;
    expect(s2.recovered).toBe(true);
    await Promise.all(range(21, 25).map((n) => s2.reliable.emit("n", n)));
    await until(() => got.includes(25), "the last packet");
    expect(got).toEqual(range(1, 25));
    await expect.poll(() => pendingOf(harness, s2), { timeout: 5000, interval: 10 }).toEqual([]);
  });

  it("a restore whose pending read fails: read again, nothing newer written before it", async () => {
    const harness = await setup();
    const first = nextServerSocket(harness);
    const c = connect(parleyClient, harness.url, true);
    const got: number[] = [];
    c.on("n", ((n: number) => {
      got.push(n);
      if (n === 5) c.io.engine?.close(); // 6..10 stay unacknowledged
    }) as never);
    const s1 = await first;
    const gone = next(s1, "disconnect");
    const second = nextServerSocket(harness);
    await Promise.all(range(1, 10).map((n) => s1.reliable.emit("n", n)));
    await gone;
    // The store fails the restore's first two reads (as Redis would, briefly unreachable).
    const { store } = reliableNamespace(
      harness.io.of("/").adapter,
      harness.io.of("/")._recovery as NonNullable<ReturnType<typeof harness.io.of>["_recovery"]>,
      () => {},
    );
    const read = store.pending.bind(store);
    let failures = 2;
    store.pending = (pid) =>
      failures-- > 0 ? Promise.reject(new Error("injected: store unreachable")) : read(pid);
    const s2 = await second;
    expect(s2.recovered).toBe(true);
    await Promise.all(range(11, 15).map((n) => s2.reliable.emit("n", n)));
    await until(() => got.includes(15), "the last packet");
    // Before: the failed read was taken as "nothing pending", 11..15 went out at once and
    // 6..10 waited for another restore.
    expect(got).toEqual(range(1, 15));
    expect(failures).toBe(-1);
  });

  it("official clients get plain events with an ack: unacknowledged ones come again after a reconnection", async () => {
    const harness = await setup();
    const first = nextServerSocket(harness);
    const c = connect(officialClient as unknown as MakeClient, harness.url, false);
    const got: number[] = [];
    c.on("job", ((n: number, ack: () => void) => {
      got.push(n);
      if (n % 2 === 0) ack();
    }) as never);
    const s1 = await first;
    await Promise.all(range(1, 4).map((n) => s1.reliable.emit("job", n)));
    await until(() => got.length === 4, "4 jobs");
    await expect
      .poll(() => pendingOf(harness, s1), { timeout: 5000, interval: 10 })
      .toHaveLength(2);
    const second = nextServerSocket(harness);
    s1.conn.close();
    const s2 = await second;
    expect(s2.recovered).toBe(true);
    await until(() => got.length === 6, "the two unacknowledged jobs again");
    expect(got).toEqual([1, 2, 3, 4, 1, 3]);
  });

  it("refuses what it cannot keep, with stable codes", async () => {
    const harness = await setup({
      connectionStateRecovery: { maxDisconnectionDuration: 5000, maxReliablePerSocket: 2 },
    });
    const first = nextServerSocket(harness);
    const c = connect(officialClient as unknown as MakeClient, harness.url, false);
    c.on("never-acked", (() => {}) as never);
    const s = await first;
    await s.reliable.emit("never-acked", 1);
    await s.reliable.emit("never-acked", 2);
    await expect(s.reliable.emit("never-acked", 3)).rejects.toMatchObject({
      code: "RELIABLE_LIMIT",
    });
    const emitAny = s.reliable.emit as (ev: string, ...args: unknown[]) => Promise<void>;
    await expect(emitAny("x", () => {})).rejects.toMatchObject({ code: "RELIABLE_BAD_ARGUMENT" });
    await expect(emitAny("disconnect")).rejects.toMatchObject({ code: "RELIABLE_BAD_ARGUMENT" });
    // The wire name is reserved for every emit, so a deduplicating client never mistakes one.
    expect(() => (s.emit as (ev: string) => boolean)("parley:reliable")).toThrow(/reserved/);
    expect(() => (harness.io.emit as (ev: string) => boolean)("parley:reliable")).toThrow(
      /reserved/,
    );
    // (Not `c.disconnect()`: socket.io-client's is seen as "transport close", recoverable.)
    s.disconnect();
    await expect(s.reliable.emit("never-acked", 4)).rejects.toMatchObject({
      code: "RELIABLE_SESSION_ENDED",
    });
    // Left for good: its pending set is gone.
    await expect.poll(() => pendingOf(harness, s), { timeout: 5000, interval: 10 }).toEqual([]);
  });

  it("needs connectionStateRecovery", async () => {
    h = await startServer({});
    const harness = h;
    const first = nextServerSocket(harness);
    connect(parleyClient, harness.url, true);
    const s = await first;
    await expect(s.reliable.emit("n", 1)).rejects.toMatchObject({
      code: "RELIABLE_NEEDS_RECOVERY",
    });
  });
});
