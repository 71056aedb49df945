import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server } from "socket.io";
import { describe, expect, it } from "vitest";
import { Backoff } from "../src/backoff.js";
import {
  connect,
  delay,
  next,
  SERVER_KINDS,
  startServer,
  TRANSPORT_MODES,
  until,
} from "./helpers.js";
import { rawServer } from "./raw-server.js";

/** Records each message in arrival order, per server instance. */
function recorder(received: unknown[]) {
  return (io: Server) => {
    io.on("connection", (socket) => socket.on("msg", (v: unknown) => received.push(v)));
  };
}

async function freePort(): Promise<number> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  await new Promise((resolve) => http.close(resolve));
  return port;
}

describe.each(SERVER_KINDS)("against %s", (kind) => {
  describe.each(TRANSPORT_MODES)("over $name", ({ transports }) => {
    it("reconnects after the server drops the transport, flushing what was emitted meanwhile", async () => {
      const received: unknown[] = [];
      const server = await startServer({}, recorder(received), kind);
      const socket = connect(server.url, { transports });
      await next(socket, "connect");
      const firstId = socket.id;
      const events: string[] = [];
      socket.io.on("reconnect_attempt", (n) => events.push(`attempt ${n}`));
      socket.io.on("reconnect", (n) => events.push(`reconnect ${n}`));
      const disconnected = next<[string]>(socket, "disconnect");
      for (const s of server.io.sockets.sockets.values()) s.conn.close();
      expect((await disconnected)[0]).toBe("transport close");
      expect(socket.active).toBe(true);
      socket.emit("msg", 1);
      socket.emit("msg", 2);
      socket.emit("msg", 3);
      expect(socket.sendBuffer).toHaveLength(3);
      await next(socket, "connect");
      expect(socket.id).not.toBe(firstId);
      await until(() => received.length === 3);
      expect(received).toEqual([1, 2, 3]);
      expect(events).toEqual(["attempt 1", "reconnect 1"]);
    });

    it("backs off while the server is down, then reconnects when it restarts", async () => {
      const received: unknown[] = [];
      const server = await startServer({}, recorder(received), kind);
      const socket = connect(server.url, { transports });
      await next(socket, "connect");
      const events: string[] = [];
      socket.io.on("reconnect_attempt", (n) => events.push(`attempt ${n}`));
      socket.io.on("reconnect_error", () => events.push("error"));
      socket.io.on("reconnect", (n) => events.push(`reconnect ${n}`));
      const disconnected = next<[string]>(socket, "disconnect");
      await server.close();
      const [reason] = await disconnected;
      expect(["transport close", "transport error"]).toContain(reason);
      socket.emit("msg", "during outage");
      await until(() => events.filter((e) => e === "error").length >= 2);
      await server.restart();
      await next(socket, "connect");
      await until(() => received.length === 1);
      expect(received).toEqual(["during outage"]);
      const last = events.at(-1) as string;
      expect(last).toMatch(/^reconnect \d+$/);
      const attempts = events.filter((e) => e.startsWith("attempt"));
      // Each attempt is announced with its number, and all but the last one failed.
      expect(attempts).toEqual(attempts.map((_, i) => `attempt ${i + 1}`));
      expect(last).toBe(`reconnect ${attempts.length}`);
      expect(events.filter((e) => e === "error")).toHaveLength(attempts.length - 1);
    });
  });

  it("keeps trying while the server is unreachable and connects once it is up", async () => {
    const port = await freePort();
    const socket = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
    const [err] = await next<[Error]>(socket, "connect_error");
    expect(err).toBeInstanceOf(Error);
    expect(socket.active).toBe(true);
    await next(socket.io, "reconnect_error");
    const http = createServer();
    const { Server: SioServer } = await import("socket.io");
    const io = new SioServer(http);
    await new Promise<void>((resolve) => http.listen(port, "127.0.0.1", resolve));
    try {
      await next(socket, "connect");
      expect(socket.connected).toBe(true);
    } finally {
      socket.io.close();
      await new Promise((resolve) => io.close(resolve));
    }
  });
});

describe("giving up", () => {
  it("emits reconnect_failed after reconnectionAttempts", async () => {
    const port = await freePort();
    const socket = connect(`http://127.0.0.1:${port}`, {
      transports: ["polling"],
      reconnectionAttempts: 2,
    });
    const events: string[] = [];
    socket.on("connect_error", () => events.push("connect_error"));
    socket.io.on("reconnect_attempt", (n) => events.push(`attempt ${n}`));
    socket.io.on("reconnect_error", () => events.push("reconnect_error"));
    await next(socket.io, "reconnect_failed");
    expect(events).toEqual([
      "connect_error",
      "attempt 1",
      "connect_error",
      "reconnect_error",
      "attempt 2",
      "connect_error",
      "reconnect_error",
    ]);
    await delay(150);
    expect(events).toHaveLength(7); // nothing after giving up
  });

  it("does not reconnect when reconnection is off", async () => {
    const server = await startServer();
    const socket = connect(server.url, { transports: ["websocket"] });
    await next(socket, "connect");
    expect(socket.io.reconnection()).toBe(true);
    socket.io.reconnection(false);
    const disconnected = next(socket, "disconnect");
    for (const s of server.io.sockets.sockets.values()) s.conn.close();
    await disconnected;
    let attempts = 0;
    socket.io.on("reconnect_attempt", () => attempts++);
    await delay(200);
    expect(attempts).toBe(0);
    expect(socket.connected).toBe(false);
  });

  it("reports 'ping timeout' when the server goes silent, then reconnects", async () => {
    const server = await rawServer({
      handshake: JSON.stringify({ sid: "s", upgrades: [], pingInterval: 50, pingTimeout: 50 }),
    });
    const socket = connect(server.url, { transports: ["websocket"] });
    await next(socket, "connect");
    const [reason] = await next<[string]>(socket, "disconnect");
    expect(reason).toBe("ping timeout");
    await next(socket, "connect");
    expect(server.connections()).toBeGreaterThanOrEqual(2);
  });

  it("gives up opening after `timeout` with a 'timeout' error", async () => {
    // A server that accepts TCP connections and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const socket = connect(`http://127.0.0.1:${port}`, {
        transports: ["polling"],
        timeout: 100,
        reconnection: false,
      });
      const [err] = await next<[Error]>(socket, "connect_error");
      expect(err.message).toBe("timeout");
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe("Backoff", () => {
  it("doubles from min up to max without jitter", () => {
    const b = new Backoff({ min: 100, max: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => b.duration())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.duration()).toBe(100);
  });

  it("keeps jittered delays within ±factor and never above max", () => {
    const b = new Backoff({ min: 100, max: 1000, jitter: 0.5 });
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      b.reset();
      const d = b.duration();
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(150);
      seen.add(d);
    }
    expect(seen.size).toBeGreaterThan(1);
    for (let i = 0; i < 100; i++) expect(b.duration()).toBeLessThanOrEqual(1000);
    const huge = new Backoff({ min: 1000, max: 5000, jitter: 0.5 });
    huge.attempts = 10_000;
    expect(huge.duration()).toBeLessThanOrEqual(5000);
  });
});
