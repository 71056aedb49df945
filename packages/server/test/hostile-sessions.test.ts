import type { Socket as NetSocket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Socket } from "../src/index.js";
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
