import type { Socket as NetSocket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ParentNamespace, Socket } from "../src/index.js";
import { type Harness, next, startServer, until } from "./helpers.js";

let h: Harness | undefined;
const peers: WebSocket[] = [];
const fatal: unknown[] = [];
const onFatal = (err: unknown) => fatal.push(err);

afterEach(async () => {
  for (const p of peers.splice(0)) p.terminate();
  await h?.close();
  h = undefined;
  process.off("unhandledRejection", onFatal);
  process.off("uncaughtException", onFatal);
  // Anything that escaped to the process fails the test that caused it.
  expect(fatal.splice(0)).toEqual([]);
});

/** Fails the current test if anything reaches the process's last-resort handlers. */
function watchProcess(): void {
  process.on("unhandledRejection", onFatal);
  process.on("uncaughtException", onFatal);
}

/** A raw WebSocket peer that answers pings and records every other frame as text. */
function rawPeer(port: number): { ws: WebSocket; frames: string[] } {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on("message", (data, isBinary) => {
    const frame = isBinary ? `<binary ${(data as Buffer).length}>` : data.toString();
    if (frame === "2") ws.send("3");
    else frames.push(frame);
  });
  ws.on("error", () => {});
  peers.push(ws);
  return { ws, frames };
}

async function joinMain(peer: { ws: WebSocket; frames: string[] }): Promise<void> {
  await until(() => peer.frames.some((f) => f.startsWith("0{")), "open");
  peer.ws.send("40");
  await until(() => peer.frames.some((f) => f.startsWith("40{")), "CONNECT");
}

describe("slow consumers", () => {
  it("a client that stops reading is dropped with 'send buffer overflow' under io.emit; others get everything", async () => {
    watchProcess();
    h = await startServer({ maxBufferedBytes: 64 * 1024, pingInterval: 60_000 });
    const reasons: string[] = [];
    h.io.on("connection", (s) => s.on("disconnect", (r) => reasons.push(r)));
    const slow = rawPeer(h.port);
    await joinMain(slow);
    const healthy = h.client("/", { transports: ["websocket"] });
    await next(healthy, "connect");
    let received = 0;
    healthy.on("big", () => received++);
    // The slow peer's kernel buffers fill, then the server's per-session buffer.
    (slow.ws as unknown as { _socket: NetSocket })._socket.pause();
    const payload = "x".repeat(16 * 1024);
    let sent = 0;
    for (let round = 0; round < 5000 && reasons.length === 0; round++) {
      h.io.emit("big", payload);
      sent++;
      await new Promise((r) => setImmediate(r));
    }
    expect(reasons).toEqual(["send buffer overflow"]);
    expect(h.io.of("/").sockets.size).toBe(1);
    await until(() => received === sent, "the healthy client's messages");
  });
});

describe("user callbacks that throw", () => {
  it("exceptions and rejections in every kind of user callback are reported, never reach the process", async () => {
    watchProcess();
    h = await startServer({ pingInterval: 60_000 });
    const reported: string[] = [];
    h.io.on("handler_error", (err, _socket, event) => {
      reported.push(`${event}: ${(err as Error).message}`);
    });
    h.io.on("new_namespace", () => {
      throw new Error("new_namespace");
    });
    h.io.of("/other");
    h.io.use(async (_socket, next) => next());
    let ackArg: unknown;
    h.io.on("connection", (s: Socket) => {
      s.use(async () => {
        throw new Error("socket.use");
      });
      s.onAny(async () => {
        throw new Error("onAny");
      });
      s.on("disconnecting", () => {
        throw new Error("disconnecting");
      });
      s.on("disconnect", async () => {
        throw new Error("disconnect");
      });
      s.emit("ask", (x: unknown) => {
        ackArg = x;
        throw new Error("ack callback");
      });
      s.timeout(5000).emit("ask", async () => {
        throw new Error("timed ack callback");
      });
    });
    const c = h.client("/", { transports: ["websocket"] });
    c.on("ask", (cb: (x: unknown) => void) => cb("answer"));
    await next(c, "connect");
    c.emit("hello");
    await until(() => reported.length >= 5, "reports while connected");
    c.disconnect();
    await until(() => reported.length >= 7, "reports on disconnect");
    expect(ackArg).toBe("answer");
    expect(reported.sort()).toEqual([
      "ack: ack callback",
      "ack: timed ack callback",
      "any: onAny",
      "disconnect: disconnect",
      "disconnecting: disconnecting",
      "middleware: socket.use",
      "new_namespace: new_namespace",
    ]);
  });

  it("a room-event listener that throws does not keep a leaving socket in its namespace or rooms", async () => {
    watchProcess();
    h = await startServer({ pingInterval: 60_000 });
    const nsp = h.io.of("/");
    const handlerErrors: string[] = [];
    h.io.on("handler_error", (err, _socket, event) =>
      handlerErrors.push(`${event}: ${(err as Error).message}`),
    );
    for (const event of ["create-room", "join-room", "leave-room", "delete-room"] as const) {
      nsp.adapter.on(event, (room: string) => {
        if (room === "boom") throw new Error(event);
      });
    }
    const lifecycle: string[] = [];
    h.io.on("connection", (s: Socket) => {
      s.join("boom");
      s.on("disconnecting", () => lifecycle.push(`disconnecting:${[...s.rooms].length}`));
      s.on("disconnect", (r) => lifecycle.push(`disconnect:${r}`));
    });
    const c = h.client("/", { transports: ["websocket"] });
    await next(c, "connect");
    expect(nsp.adapter.rooms.get("boom")?.size).toBe(1);
    c.disconnect();
    await until(() => lifecycle.length >= 2, "disconnect");
    expect(lifecycle).toEqual(["disconnecting:2", "disconnect:client namespace disconnect"]);
    expect(nsp.sockets.size).toBe(0);
    expect([...nsp.adapter.rooms.keys()]).toEqual([]);
    expect(nsp.adapter.sids.size).toBe(0);
    expect(handlerErrors).toEqual([
      "adapter create-room: create-room",
      "adapter join-room: join-room",
      "adapter leave-room: leave-room",
      "adapter delete-room: delete-room",
    ]);
  });
});

describe("dynamic namespaces (cleanupEmptyChildNamespaces)", () => {
  it("CONNECTs refused by the middleware to ever-new names leave no namespace behind", async () => {
    watchProcess();
    h = await startServer({ pingInterval: 60_000, cleanupEmptyChildNamespaces: true });
    const parent = h.io.of(/^\/dyn-\d+$/) as ParentNamespace;
    parent.use((socket, next) =>
      next(socket.handshake.auth.token === "ok" ? undefined : new Error("unauthorized")),
    );
    const baseline = h.io._nsps.size;
    const peer = rawPeer(h.port);
    await joinMain(peer);
    for (let i = 0; i < 200; i++) {
      peer.ws.send(`40/dyn-${i},`);
      await until(() => peer.frames.some((f) => f.startsWith(`44/dyn-${i},`)), "CONNECT_ERROR");
    }
    expect(h.io._nsps.size).toBe(baseline);
    expect(parent.children.size).toBe(0);
    // The same names still work for a client with credentials, and go once it leaves.
    peer.ws.send('40/dyn-7,{"token":"ok"}');
    await until(() => peer.frames.some((f) => f.startsWith("40/dyn-7,{")), "CONNECT");
    expect(h.io._nsps.has("/dyn-7")).toBe(true);
    peer.ws.send("41/dyn-7,");
    await until(() => !h?.io._nsps.has("/dyn-7"), "cleanup");
    expect(parent.children.size).toBe(0);
  });

  it("is not removed while a socket is still in its middleware", async () => {
    watchProcess();
    h = await startServer({ pingInterval: 60_000, cleanupEmptyChildNamespaces: true });
    const parent = h.io.of(/^\/dyn-\d+$/);
    let release: (() => void) | undefined;
    parent.use((socket, next) => {
      if (socket.handshake.auth.slow === true) release = () => next();
      else next();
    });
    const first = h.client("/dyn-1", { transports: ["websocket"] });
    await next(first, "connect");
    const child = h.io._nsps.get("/dyn-1");
    const second = h.client("/dyn-1", { transports: ["websocket"], auth: { slow: true } });
    await until(() => release !== undefined, "the slow middleware");
    first.disconnect();
    await until(() => child?.sockets.size === 0, "first leaves");
    expect(h.io._nsps.get("/dyn-1")).toBe(child);
    release?.();
    await next(second, "connect");
    // The second socket is in the namespace the server still serves.
    expect(h.io._nsps.get("/dyn-1")).toBe(child);
    expect(child?.sockets.size).toBe(1);
    second.disconnect();
    await until(() => !h?.io._nsps.has("/dyn-1"), "cleanup");
  });
  it("a child an async matcher allows after its client left is removed too", async () => {
    watchProcess();
    h = await startServer({ pingInterval: 60_000, cleanupEmptyChildNamespaces: true });
    const answers: (() => void)[] = [];
    const parent = h.io.of((_name, _auth, allow) => {
      answers.push(() => allow(null, true));
    }) as ParentNamespace;
    const baseline = h.io._nsps.size;
    const peer = rawPeer(h.port);
    await joinMain(peer);
    peer.ws.send("40/late,");
    await until(() => answers.length === 1, "the matcher");
    peer.ws.terminate();
    await until(() => h?.io.engine.clientsCount === 0, "the client gone");
    answers[0]?.();
    expect(h.io._nsps.size).toBe(baseline);
    expect(parent.children.size).toBe(0);
  });
});
