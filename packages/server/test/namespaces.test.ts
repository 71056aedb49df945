import { afterEach, describe, expect, it } from "vitest";
import type { Namespace, Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES, until } from "./helpers.js";

describe.each(TRANSPORT_MODES)("namespaces and middleware over $mode", ({ client }) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("multiplexes namespaces on one connection and names them with or without a slash", async () => {
    h = await startServer({}, client);
    const created: string[] = [];
    h.io.on("new_namespace", (nsp) => created.push(nsp.name));
    const chat = h.io.of("chat");
    expect(chat.name).toBe("/chat");
    expect(h.io.of("/chat")).toBe(chat);
    expect(created).toEqual(["/chat"]);
    const joined = next<[Socket]>(chat, "connection");
    const main = h.client("/");
    // Same Manager: both namespaces share one Engine.IO connection.
    const c = main.io.socket("/chat");
    const [s] = await joined;
    expect(s.nsp).toBe(chat);
    await until(() => c.connected && main.connected, "both namespaces");
    expect(c.id).toBe(s.id);
    const mainSocket = [...h.io.sockets.sockets.values()][0]!;
    expect(mainSocket.client).toBe(s.client);
    c.disconnect();
  });

  it("answers CONNECT to an unknown namespace with Invalid namespace", async () => {
    h = await startServer({}, client);
    const c = h.client("/nope");
    const [err] = await next<[Error]>(c, "connect_error");
    expect(err.message).toBe("Invalid namespace");
  });

  it("creates dynamic namespaces from a RegExp and a function, inheriting middleware and listeners", async () => {
    h = await startServer({ cleanupEmptyChildNamespaces: true }, client);
    const created: string[] = [];
    h.io.on("new_namespace", (nsp) => created.push(nsp.name));
    const parent = h.io.of(/^\/room-\d+$/);
    const order: string[] = [];
    parent.use((socket, nextFn) => {
      order.push(`mw:${socket.nsp.name}`);
      nextFn();
    });
    parent.on("connection", (socket) => {
      order.push(`conn:${socket.nsp.name}`);
      socket.on("hi", (cb: (n: string) => void) => cb(socket.nsp.name));
    });
    const byFn = h.io.of((name, auth, nextFn) => nextFn(null, name === "/fn" && auth.ok === true));
    byFn.on("connection", (socket) => order.push(`conn:${socket.nsp.name}`));

    const c1 = h.client("/room-42");
    await expect(c1.timeout(2000).emitWithAck("hi")).resolves.toBe("/room-42");
    const c2 = h.client("/fn", { auth: { ok: true } });
    await until(() => c2.connected, "function namespace");
    const c3 = h.client("/fn-denied", { auth: { ok: true } });
    const [err] = await next<[Error]>(c3, "connect_error");
    expect(err.message).toBe("Invalid namespace");
    expect(order).toEqual(["mw:/room-42", "conn:/room-42", "conn:/fn"]);
    expect(created).toEqual(["/room-42", "/fn"]);

    // The parent relays emits to every child.
    const got = next<[string]>(c1, "news");
    parent.emit("news", "to-children");
    expect(await got).toEqual(["to-children"]);
    await expect(parent.fetchSockets()).rejects.toThrow("not supported");

    // cleanupEmptyChildNamespaces: the child disappears with its last socket.
    expect(h.io._nsps.has("/room-42")).toBe(true);
    c1.disconnect();
    await until(() => !h.io._nsps.has("/room-42"), "child cleanup");
    expect(() => h.io.of(/x/g)).toThrow("stateful");
  });

  it("runs io.use and nsp.use before connection, and next(err) reaches connect_error with data", async () => {
    h = await startServer({}, client);
    h.io.use((socket, nextFn) => {
      if (socket.handshake.auth.token !== "good") {
        const err = Object.assign(new Error("not authorized"), { data: { code: 401 } });
        nextFn(err);
        return;
      }
      socket.data.user = "alice";
      nextFn();
    });
    const connections: Socket[] = [];
    h.io.on("connection", (s) => connections.push(s));
    const bad = h.client("/", { auth: { token: "bad" } });
    const [err] = await next<[Error & { data?: unknown }]>(bad, "connect_error");
    expect(err.message).toBe("not authorized");
    expect(err.data).toEqual({ code: 401 });
    const good = h.client("/", { auth: { token: "good" } });
    await until(() => good.connected && connections.length === 1, "good client");
    expect(connections[0]!.data.user).toBe("alice");

    // A middleware that throws refuses the socket with a generic message, and is reported.
    const nsp = h.io.of("/throws");
    const reported: unknown[] = [];
    h.io.on("handler_error", (e, _socket, event) => reported.push([e, event]));
    nsp.use(() => {
      throw new Error("secret internals");
    });
    const c = h.client("/throws");
    const [err2] = await next<[Error]>(c, "connect_error");
    expect(err2.message).toBe("Internal server error");
    expect(reported).toHaveLength(1);
    expect((reported[0] as [Error, string])[1]).toBe("middleware");
  });

  it("a socket whose middleware joined rooms and never called next leaves them when the connection ends", async () => {
    h = await startServer({ connectTimeout: 300 }, client);
    const adapter = h.io.sockets.adapter;
    const held: string[] = [];
    h.io.use((socket) => {
      // Joins, then never calls next: the client waits until the server gives up on it.
      socket.join("waiting-room");
      held.push(socket.id);
    });
    const first = h.client();
    await until(() => held.length === 1, "middleware reached");
    expect(adapter.rooms.get("waiting-room")).toEqual(new Set([held[0]]));
    // The connect timeout closes the connection: its pending socket must leave its rooms.
    await until(() => !adapter.rooms.has("waiting-room"), "room released after the timeout");
    expect(adapter.sids.has(held[0]!)).toBe(false);
    first.disconnect();

    // Likewise when the client goes away first.
    const second = h.client();
    await until(() => held.length === 2 && adapter.rooms.has("waiting-room"), "second joined");
    second.disconnect();
    await until(() => !adapter.rooms.has("waiting-room"), "room released after the client left");
    expect(adapter.sids.has(held[1]!)).toBe(false);
    expect(h.io.sockets.sockets.size).toBe(0);
  });

  it("runs socket.use per packet; an error becomes an error event and the packet is dropped", async () => {
    h = await startServer({}, client);
    const events: string[] = [];
    const errors: string[] = [];
    h.io.on("connection", (socket) => {
      socket.use(([event, ...args], nextFn) => {
        if (event === "forbidden") return nextFn(new Error(`no ${String(args[0])}`));
        nextFn();
      });
      socket.on("error", (err) => errors.push(err.message));
      socket.on("allowed", (x: string) => events.push(x));
      socket.on("forbidden", (x: string) => events.push(`forbidden ${x}`));
    });
    const c = h.client();
    c.emit("forbidden", "thing");
    c.emit("allowed", "ok");
    await until(() => events.length === 1 && errors.length === 1, "packets");
    expect(events).toEqual(["ok"]);
    expect(errors).toEqual(["no thing"]);
  });

  it("fills socket.handshake, id, rooms, conn, request, connected", async () => {
    h = await startServer({}, client);
    const joined = next<[Socket]>(h.io, "connection");
    const c = h.client("/", { auth: { a: 1 }, query: { q: "v" }, extraHeaders: { "x-test": "1" } });
    const [s] = await joined;
    await until(() => c.connected, "client");
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(s.id).not.toBe(s.conn.id);
    expect(s.client.id).toBe(s.conn.id);
    expect(s.handshake.auth).toEqual({ a: 1 });
    expect(s.handshake.query.q).toBe("v");
    expect(s.handshake.query.EIO).toBe("4");
    expect(s.handshake.address).toMatch(/127\.0\.0\.1/);
    expect(s.handshake.secure).toBe(false);
    expect(s.handshake.xdomain).toBe(false);
    expect(typeof s.handshake.issued).toBe("number");
    expect(new Date(s.handshake.time).getTime()).toBeGreaterThan(0);
    expect(s.handshake.url).toContain("/socket.io/");
    expect(s.request.headers).toBe(s.handshake.headers);
    expect(["polling", "websocket"]).toContain(s.conn.transport.name);
    expect(s.rooms).toEqual(new Set([s.id]));
    expect(s.connected).toBe(true);
    expect(s.disconnected).toBe(false);
    expect(s.nsp.name).toBe("/");
    expect(s.server).toBe(h.io);
  });

  it("limits namespaces per connection", async () => {
    h = await startServer({ maxNamespacesPerClient: 1 }, client);
    h.io.of("/b");
    const a = h.client("/");
    await until(() => a.connected, "first namespace");
    const b = a.io.socket("/b");
    const [err] = await next<[Error]>(b, "connect_error");
    expect(err.message).toBe("Too many namespaces");
    expect(a.connected).toBe(true);
  });

  it("catches handler exceptions and rejections; the socket keeps working", async () => {
    h = await startServer({}, client);
    const reported: [unknown, string | undefined, string][] = [];
    h.io.on("handler_error", (err, socket, event) => reported.push([err, socket?.id, event]));
    let sid = "";
    h.io.on("connection", (socket: Socket) => {
      sid = socket.id;
      socket.on("boom", () => {
        throw new Error("sync boom");
      });
      socket.on("reject", async () => {
        throw new Error("async boom");
      });
      socket.on("echo", (x: string, cb: (x: string) => void) => cb(x));
    });
    const c = h.client();
    c.emit("boom");
    c.emit("reject");
    await expect(c.timeout(2000).emitWithAck("echo", "still here")).resolves.toBe("still here");
    await until(() => reported.length === 2, "reports");
    expect(reported.map(([e, id, ev]) => [(e as Error).message, id, ev]).sort()).toEqual([
      ["async boom", sid, "reject"],
      ["sync boom", sid, "boom"],
    ]);
  });

  it("re-creates adapters when io.adapter() changes", async () => {
    h = await startServer({}, client);
    const nsp: Namespace = h.io.of("/z");
    const before = nsp.adapter;
    const { InMemoryAdapter } = await import("../src/index.js");
    class Tagged extends InMemoryAdapter {}
    h.io.adapter(Tagged);
    expect(nsp.adapter).not.toBe(before);
    expect(nsp.adapter).toBeInstanceOf(Tagged);
    expect(h.io.adapter()).toBe(Tagged);
  });
});
