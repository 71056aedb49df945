import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES, until } from "./helpers.js";

describe.each(TRANSPORT_MODES)("emitting over $mode", ({ client }) => {
  let h: Harness;
  afterEach(() => h?.close());

  async function setup(): Promise<void> {
    h = await startServer({}, client);
  }

  async function connected(
    n: number,
  ): Promise<{ server: Socket[]; clients: ReturnType<Harness["client"]>[] }> {
    const server: Socket[] = [];
    h.io.on("connection", (s) => {
      server.push(s);
    });
    const clients = Array.from({ length: n }, () => h.client());
    await until(() => server.length === n && clients.every((c) => c.connected), "connections");
    return { server, clients };
  }

  it("socket.emit and socket.send reach the client, with binary intact", async () => {
    await setup();
    const { server, clients } = await connected(1);
    const c = clients[0]!;
    const got = next<[string, { bin: Buffer }]>(c, "data");
    const msg = next<[string]>(c, "message");
    server[0]!.emit("data", "text", { bin: Buffer.from([1, 2, 3]) });
    server[0]!.send("plain");
    const [text, obj] = await got;
    expect(text).toBe("text");
    expect([...new Uint8Array(obj.bin)]).toEqual([1, 2, 3]);
    expect(await msg).toEqual(["plain"]);
  });

  it("acks flow both ways, with timeouts and emitWithAck", async () => {
    await setup();
    const { server, clients } = await connected(1);
    const c = clients[0]!;
    const s = server[0]!;
    c.on("ask", (n: number, cb: (r: number) => void) => cb(n * 2));
    c.on("silent", () => {});
    await expect(new Promise((r) => s.emit("ask", 21, r))).resolves.toBe(42);
    await expect(s.emitWithAck("ask", 5)).resolves.toBe(10);
    await expect(s.timeout(1000).emitWithAck("ask", 1)).resolves.toBe(2);
    const err = await new Promise((r) => s.timeout(30).emit("silent", r));
    expect(err).toBeInstanceOf(Error);
    await expect(s.timeout(30).emitWithAck("silent")).rejects.toThrow("operation has timed out");
    s.on("client-ask", (a: string, cb: (x: string) => void) => cb(a.toUpperCase()));
    await expect(c.emitWithAck("client-ask", "hey")).resolves.toBe("HEY");
  });

  it("an event sent just before the client disconnects is not handled after disconnect", async () => {
    await setup();
    const { server, clients } = await connected(1);
    const c = clients[0]!;
    const s = server[0]!;
    const handled: string[] = [];
    s.on("test", () => handled.push(s.connected ? "connected" : "after disconnect"));
    const gone = next<[string]>(s, "disconnect");
    // Same tick: one WebSocket chunk or one polling payload carries both packets, and the
    // DISCONNECT is applied before handlers run (socket.io's order), so nothing is handled
    // by a socket that already said `disconnect`.
    c.emit("test", Buffer.alloc(10));
    c.disconnect();
    expect((await gone)[0]).toBe("client namespace disconnect");
    await new Promise((r) => setImmediate(r));
    expect(handled).toEqual([]);
  });

  it("refuses reserved event names", async () => {
    await setup();
    const { server } = await connected(1);
    for (const name of ["connect", "connect_error", "disconnect", "disconnecting"]) {
      expect(() => server[0]!.emit(name)).toThrow("reserved event name");
      expect(() => h.io.emit(name)).toThrow("reserved event name");
    }
  });

  it("broadcasts with io.emit, to/in/except, socket.broadcast", async () => {
    await setup();
    const { server, clients } = await connected(3);
    const [a, b, c] = clients as [(typeof clients)[0], (typeof clients)[0], (typeof clients)[0]];
    const seen: string[] = [];
    for (const [name, cl] of [
      ["a", a],
      ["b", b],
      ["c", c],
    ] as const) {
      cl.on("x", (v: string) => seen.push(`${name}:${v}`));
    }
    const [sa, sb] = server as [Socket, Socket, Socket];
    sa.join("room1");
    sb.join(["room1", "room2"]);
    h.io.emit("x", "all");
    h.io.to("room1").emit("x", "r1");
    h.io.to("room1").except("room2").emit("x", "r1-not-r2");
    h.io.in(["room2", "room1"]).emit("x", "union");
    sa.broadcast.emit("x", "not-a");
    sa.to("room1").emit("x", "room1-not-a");
    h.io.of("/").except(sa.id).emit("x", "except-id");
    await until(() => seen.length === 13, "all deliveries");
    expect(seen.filter((s) => s.endsWith(":all")).sort()).toEqual(["a:all", "b:all", "c:all"]);
    expect(seen.filter((s) => s.endsWith(":r1")).sort()).toEqual(["a:r1", "b:r1"]);
    expect(seen.filter((s) => s.endsWith(":r1-not-r2"))).toEqual(["a:r1-not-r2"]);
    expect(seen.filter((s) => s.endsWith(":union")).sort()).toEqual(["a:union", "b:union"]);
    expect(seen.filter((s) => s.endsWith(":not-a")).sort()).toEqual(["b:not-a", "c:not-a"]);
    expect(seen.filter((s) => s.endsWith(":room1-not-a"))).toEqual(["b:room1-not-a"]);
    expect(seen.filter((s) => s.endsWith(":except-id")).sort()).toEqual([
      "b:except-id",
      "c:except-id",
    ]);
  });

  it("keeps the broadcast operator immutable", async () => {
    await setup();
    const { server, clients } = await connected(2);
    server[0]!.join("only");
    const got: string[][] = [[], []];
    clients.forEach((c, i) => {
      c.on("x", (v: string) => got[i]!.push(v));
    });
    const toOnly = h.io.to("only");
    toOnly.volatile.compress(false).local.timeout(10);
    h.io.emit("x", "everyone");
    toOnly.emit("x", "only");
    h.io.emit("x", "everyone-again");
    await until(() => got[0]!.length === 3 && got[1]!.length === 2, "deliveries");
    expect(got[1]).toEqual(["everyone", "everyone-again"]);
  });

  it("collects broadcast acks from every client, and reports timeouts", async () => {
    await setup();
    const { clients } = await connected(3);
    clients.forEach((c, i) => {
      c.on("q", (cb: (n: number) => void) => cb(i));
    });
    const replies = await h.io.timeout(2000).emitWithAck("q");
    expect([...(replies as number[])].sort()).toEqual([0, 1, 2]);
    const viaCallback = await new Promise<unknown[]>((resolve, reject) =>
      h.io
        .timeout(2000)
        .emit("q", (err: Error | null, r: unknown[]) => (err ? reject(err) : resolve(r))),
    );
    expect(viaCallback).toHaveLength(3);
    clients[2]!.off("q");
    clients[2]!.on("q", () => {});
    const err = await h.io
      .timeout(100)
      .emitWithAck("q")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { responses: unknown[] }).responses).toHaveLength(2);
    await expect(h.io.to("nobody").timeout(100).emitWithAck("q")).resolves.toEqual([]);
    expect(() => h.io.emit("q", () => {})).toThrow("needs a timeout");
  });

  it("notifies onAny, onAnyOutgoing and their variants", async () => {
    await setup();
    const { server, clients } = await connected(1);
    const s = server[0]!;
    const incoming: unknown[][] = [];
    const outgoing: unknown[][] = [];
    const first = (...args: unknown[]) => incoming.push(["first", ...args]);
    s.onAny((...args) => incoming.push(args));
    s.prependAny(first);
    s.onAnyOutgoing((...args) => outgoing.push(args));
    expect(s.listenersAny()).toHaveLength(2);
    expect(s.listenersAnyOutgoing()).toHaveLength(1);
    clients[0]!.emit("ping1", 1);
    await until(() => incoming.length === 2, "incoming");
    expect(incoming).toEqual([
      ["first", "ping1", 1],
      ["ping1", 1],
    ]);
    s.emit("out", 2);
    h.io.emit("bcast", 3);
    expect(outgoing).toEqual([
      ["out", 2],
      ["bcast", 3],
    ]);
    s.offAny(first);
    expect(s.listenersAny()).toHaveLength(1);
    s.offAny();
    s.offAnyOutgoing();
    expect(s.listenersAny()).toEqual([]);
    expect(s.listenersAnyOutgoing()).toEqual([]);
  });

  it("delivers volatile and uncompressed emits on a healthy connection", async () => {
    await setup();
    const { server, clients } = await connected(1);
    const got = new Set<string>();
    clients[0]!.on("v", (x: string) => got.add(x));
    server[0]!.compress(false).emit("v", "socket-uncompressed");
    h.io.compress(false).emit("v", "io-uncompressed");
    // A volatile packet may be dropped while the transport cannot write (mid-upgrade, or a
    // polling session between two GETs): that is what volatile means. Re-send until one of
    // each gets through, which proves the volatile path delivers when the transport is ready.
    await until(() => {
      if (!got.has("socket-volatile")) server[0]!.volatile.emit("v", "socket-volatile");
      if (!got.has("io-volatile")) h.io.volatile.emit("v", "io-volatile");
      return got.size === 4;
    }, "deliveries");
    expect([...got].sort()).toEqual(
      ["io-uncompressed", "io-volatile", "socket-uncompressed", "socket-volatile"].sort(),
    );
  });
});
