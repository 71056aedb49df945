import { Manager } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES, until } from "./helpers.js";

describe.each(TRANSPORT_MODES)("rooms, utilities and lifecycle over $mode", ({ client }) => {
  let h: Harness;
  afterEach(() => h?.close());

  async function connect(n: number, opts = {}) {
    h = await startServer(opts, client);
    const server: Socket[] = [];
    h.io.on("connection", (s) => {
      server.push(s);
    });
    const clients = Array.from({ length: n }, () => h.client());
    await until(() => server.length === n && clients.every((c) => c.connected), "connections");
    return { server, clients };
  }

  it("joins and leaves synchronously, with adapter room events", async () => {
    const { server } = await connect(1);
    const s = server[0]!;
    const events: string[] = [];
    const adapter = h.io.sockets.adapter;
    adapter.on("create-room", (r) => events.push(`create:${r}`));
    adapter.on("join-room", (r) => events.push(`join:${r}`));
    adapter.on("leave-room", (r) => events.push(`leave:${r}`));
    adapter.on("delete-room", (r) => events.push(`delete:${r}`));
    s.join(["a", "b"]);
    expect(s.rooms).toEqual(new Set([s.id, "a", "b"]));
    s.leave("a");
    expect(s.rooms.has("a")).toBe(false);
    expect(events).toEqual(["create:a", "join:a", "create:b", "join:b", "leave:a", "delete:a"]);
    expect(adapter.rooms.get("b")).toEqual(new Set([s.id]));
    expect(adapter.sids.get(s.id)).toEqual(new Set([s.id, "b"]));
  });

  it("maxRoomsPerSocket: refuses past the limit with TOO_MANY_ROOMS, counting each room once", async () => {
    const { server } = await connect(1, { maxRoomsPerSocket: 2 });
    const s = server[0]!;
    // Duplicates and rooms already joined are one room; the socket's own room is free.
    s.join(["a", "b", "b"]);
    s.join(["a", "b", s.id]);
    expect(s.rooms).toEqual(new Set([s.id, "a", "b"]));
    let refused: unknown;
    try {
      s.join(["c", "c"]);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RangeError);
    expect((refused as { code?: string }).code).toBe("TOO_MANY_ROOMS");
    // A refused join adds nothing; leaving one makes room for another.
    expect(s.rooms).toEqual(new Set([s.id, "a", "b"]));
    s.leave("a");
    s.join("c");
    expect(s.rooms).toEqual(new Set([s.id, "b", "c"]));
  });

  it("io.socketsJoin: a socket at its room limit is reported and skipped, the others join", async () => {
    const { server } = await connect(2, { maxRoomsPerSocket: 1 });
    const [full, free] = server as [Socket, Socket];
    full.join("busy");
    const reported: [unknown, string][] = [];
    h.io.on("handler_error", (err, _socket, event) => reported.push([err, event]));
    // Settles (never rejects), and the socket with room to spare is in.
    await expect(h.io.socketsJoin("party")).resolves.toBeUndefined();
    expect(free.rooms.has("party")).toBe(true);
    expect(full.rooms.has("party")).toBe(false);
    expect(reported).toHaveLength(1);
    const [[err, event]] = reported as [[unknown, string]];
    expect((err as { code?: string }).code).toBe("TOO_MANY_ROOMS");
    expect(event).toBe("socketsJoin");
    await h.io.socketsLeave("party");
    expect(free.rooms.has("party")).toBe(false);
  });

  it("fetchSockets, socketsJoin, socketsLeave, disconnectSockets and allSockets", async () => {
    const { server, clients } = await connect(3);
    const [a, b] = server as [Socket, Socket, Socket];
    a.data = { name: "a" };
    a.join("red");
    b.join("red");
    const red = await h.io.in("red").fetchSockets();
    expect(red.map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
    const fetchedA = red.find((s) => s.id === a.id)!;
    expect(fetchedA.data).toEqual({ name: "a" });
    expect(fetchedA.handshake.auth).toEqual({});
    expect(fetchedA.rooms.has("red")).toBe(true);
    expect((await h.io.fetchSockets()).length).toBe(3);
    expect(await h.io.in("red").allSockets()).toEqual(new Set([a.id, b.id]));

    const got = next<[string]>(clients[0]!, "hello");
    fetchedA.emit("hello", "via-fetch");
    expect(await got).toEqual(["via-fetch"]);
    fetchedA.join("blue");
    expect(a.rooms.has("blue")).toBe(true);
    fetchedA.leave("blue");
    expect(a.rooms.has("blue")).toBe(false);

    h.io.except("red").socketsJoin(["green", "yellow"]);
    expect(server[2]!.rooms.has("green")).toBe(true);
    expect(a.rooms.has("green")).toBe(false);
    h.io.socketsLeave("green");
    expect(server[2]!.rooms.has("green")).toBe(false);

    const reasons: string[] = [];
    for (const s of server) s.on("disconnect", (r) => reasons.push(r));
    const gone = next(clients[1]!, "disconnect");
    h.io.in("red").except(a.id).disconnectSockets();
    const [clientReason] = await gone;
    expect(clientReason).toBe("io server disconnect");
    expect(reasons).toEqual(["server namespace disconnect"]);
    expect(h.io.sockets.sockets.size).toBe(2);
  });

  it("serverSideEmit on one server goes nowhere, and its ack gets no responses", async () => {
    await connect(0);
    let heard = false;
    h.io.on("ping-servers", () => {
      heard = true;
    });
    expect(h.io.serverSideEmit("ping-servers")).toBe(true);
    await expect(h.io.serverSideEmitWithAck("ping-servers")).resolves.toEqual([]);
    expect(heard).toBe(false);
    expect(() => h.io.serverSideEmit("connection")).toThrow("reserved");
  });

  it("fires disconnecting (rooms still there) then disconnect, for each reason", async () => {
    const { server, clients } = await connect(3);
    const log: [string, string, boolean][] = [];
    for (const s of server) {
      s.join("kept");
      s.on("disconnecting", (r) => log.push(["disconnecting", r, s.rooms.has("kept")]));
      s.on("disconnect", (r) => log.push(["disconnect", r, s.rooms.has("kept")]));
    }
    clients[0]!.disconnect();
    await until(() => log.length === 2, "client namespace disconnect");
    expect(log).toEqual([
      ["disconnecting", "client namespace disconnect", true],
      ["disconnect", "client namespace disconnect", false],
    ]);
    const clientSaw = next<[string]>(clients[1]!, "disconnect");
    server[1]!.disconnect();
    expect((await clientSaw)[0]).toBe("io server disconnect");
    expect(log[3]).toEqual(["disconnect", "server namespace disconnect", false]);
    expect(server[1]!.connected).toBe(false);
    expect(server[1]!.disconnected).toBe(true);
    // Late joins after disconnect are ignored rather than leaking rooms.
    server[1]!.join("late");
    expect(h.io.sockets.adapter.rooms.has("late")).toBe(false);

    const closed = next<[string]>(clients[2]!, "disconnect");
    server[2]!.disconnect(true);
    await closed;
    expect(log[5]).toEqual(["disconnect", "server namespace disconnect", false]);
  });

  it("reports transport close when the client goes away", async () => {
    const { server, clients } = await connect(1);
    const reason = next<[string]>(server[0]!, "disconnect");
    clients[0]!.io.engine.close();
    expect((await reason)[0]).toBe("transport close");
  });

  it("reports ping timeout when the client stops answering", async () => {
    const { server, clients } = await connect(1, { pingInterval: 50, pingTimeout: 50 });
    const reason = next<[string]>(server[0]!, "disconnect");
    // Stop the client from answering pings, without closing the transport.
    // (and from timing out on its own side first).
    const engine = clients[0]!.io.engine as unknown as Record<string, unknown>;
    engine._sendPacket = () => {};
    engine._resetPingTimeout = () => {};
    clearTimeout(engine._pingTimeoutTimer as ReturnType<typeof setTimeout>);
    expect((await reason)[0]).toBe("ping timeout");
  });

  it("io.close() disconnects every socket, stops the engine and the HTTP server", async () => {
    const { server } = await connect(2);
    const reasons: string[] = [];
    for (const s of server) s.on("disconnect", (r) => reasons.push(r));
    let called = false;
    await h.io.close(() => {
      called = true;
    });
    expect(called).toBe(true);
    expect(reasons).toEqual(["server shutting down", "server shutting down"]);
    expect(h.http.listening).toBe(false);
  });

  it("closes a session that never joins a namespace after connectTimeout", async () => {
    h = await startServer({ connectTimeout: 100 }, client);
    // A Manager alone opens the Engine.IO session but joins no namespace.
    const manager = new Manager(h.url, { ...client, reconnection: false });
    await until(() => manager.engine?.readyState === "open", "engine open");
    const closed = next<[string]>(manager.engine, "close");
    await closed;
    expect(manager.engine.readyState).toBe("closed");
  });
});

describe("pending acks limit", () => {
  let h: Harness;
  afterEach(() => h?.close());

  it("drops the oldest callback (with an error for timed ones) past maxPendingAcks", async () => {
    h = await startServer({ maxPendingAcks: 2 }, { transports: ["websocket"] });
    const joined = next<[Socket]>(h.io, "connection");
    const c = h.client();
    c.on("never", () => {});
    const [s] = await joined;
    const results: unknown[] = [];
    s.timeout(5000).emit("never", (err: Error | null) => results.push(err));
    s.timeout(5000).emit("never", (err: Error | null) => results.push(err));
    expect(results).toEqual([]);
    s.timeout(5000).emit("never", (err: Error | null) => results.push(err));
    expect(results).toHaveLength(1);
    expect((results[0] as { code: string }).code).toBe("PENDING_ACKS_EXCEEDED");
    // Disconnecting fails the rest at once instead of leaving them for the timer.
    s.disconnect();
    expect(results).toHaveLength(3);
    expect((results[2] as { code: string }).code).toBe("SOCKET_DISCONNECTED");
  });
});
