import { describe, expect, it } from "vitest";
import { io, Manager } from "../src/index.js";
import { next, onCleanup, SERVER_KINDS, startServer, until } from "./helpers.js";

function track<T extends { io: { close(): void } }>(socket: T): T {
  onCleanup(() => socket.io.close());
  return socket;
}

describe.each(SERVER_KINDS)("multiplexing against %s", (kind) => {
  it("shares one Manager and one Engine.IO connection between namespaces", async () => {
    const server = await startServer(
      {},
      (srv) => {
        srv.of("/admin").on("connection", (s) => s.emit("hello", "admin"));
        srv.on("connection", (s) => s.emit("hello", "main"));
      },
      kind,
    );
    const main = track(io(server.url, { transports: ["websocket"] }));
    const admin = track(io(`${server.url}/admin`, { transports: ["websocket"] }));
    expect(admin.io).toBe(main.io);
    expect(admin.nsp).toBe("/admin");
    const [a, b] = await Promise.all([next(main, "hello"), next(admin, "hello")]);
    expect([a, b]).toEqual([["main"], ["admin"]]);
    expect(server.io.engine.clientsCount).toBe(1);
    // Leaving one namespace keeps the connection for the other.
    admin.disconnect();
    expect(main.io._readyState).toBe("open");
    expect(main.connected).toBe(true);
    main.disconnect();
    await until(() => server.io.engine.clientsCount === 0);
    expect(main.io._readyState).toBe("closed");
  });

  it("asking twice for the same namespace, forceNew, or multiplex: false gives a new Manager", async () => {
    const server = await startServer({}, () => {}, kind);
    const a = track(io(server.url, { autoConnect: false }));
    const b = track(io(server.url, { autoConnect: false }));
    const c = track(io(`${server.url}/other`, { autoConnect: false, forceNew: true }));
    const d = track(io(`${server.url}/other2`, { autoConnect: false, multiplex: false }));
    expect(b.io).not.toBe(a.io);
    expect(c.io).not.toBe(a.io);
    expect(d.io).not.toBe(a.io);
    // A different engine path is a different server endpoint.
    const e = track(io(`${server.url}/x`, { autoConnect: false, path: "/other-path/" }));
    expect(e.io).not.toBe(a.io);
  });

  it("a Manager made by hand serves several namespaces and reconnects them all", async () => {
    const server = await startServer({}, (srv) => srv.of("/b"), kind);
    const manager = new Manager(server.url, { reconnectionDelay: 20, transports: ["polling"] });
    onCleanup(() => manager.close());
    const a = manager.socket("/");
    const b = manager.socket("/b");
    expect(manager.socket("/")).toBe(a);
    await Promise.all([next(a, "connect"), next(b, "connect")]);
    expect(server.io.engine.clientsCount).toBe(1);
    for (const s of server.io.sockets.sockets.values()) s.conn.close();
    await Promise.all([next(a, "connect"), next(b, "connect")]);
    expect(a.connected && b.connected).toBe(true);
  });
});

describe("Manager options", () => {
  it("open(cb) calls back without an error once open, with one when it cannot connect", async () => {
    const server = await startServer();
    const manager = new Manager(server.url, { autoConnect: false, transports: ["websocket"] });
    onCleanup(() => manager.close());
    expect(manager._readyState).toBe("closed");
    const opened = await new Promise((resolve) => manager.open(resolve));
    expect(opened).toBeUndefined();
    expect(manager._readyState).toBe("open");
    expect(manager.engine?.id).toEqual(expect.any(String));
    manager.close();
    await server.close();
    const failed = new Manager(server.url, {
      autoConnect: false,
      reconnection: false,
      transports: ["websocket"],
    });
    onCleanup(() => failed.close());
    const err = await new Promise((resolve) => failed.open(resolve));
    expect(err).toBeInstanceOf(Error);
  });

  it("has socket.io-client's option accessors", () => {
    const manager = new Manager("http://127.0.0.1:1", { autoConnect: false });
    expect(manager.reconnectionAttempts()).toBe(Number.POSITIVE_INFINITY);
    expect(manager.reconnectionDelay()).toBe(1000);
    expect(manager.reconnectionDelayMax()).toBe(5000);
    expect(manager.randomizationFactor()).toBe(0.5);
    expect(manager.timeout()).toBe(20000);
    manager
      .reconnectionAttempts(3)
      .reconnectionDelay(10)
      .reconnectionDelayMax(20)
      .randomizationFactor(0)
      .timeout(false);
    expect(manager.reconnectionAttempts()).toBe(3);
    expect(manager.backoff.duration()).toBe(10);
    expect(manager.backoff.duration()).toBe(20);
    expect(manager.timeout()).toBe(false);
  });
});
