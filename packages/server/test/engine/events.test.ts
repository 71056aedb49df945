import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { PacketInfo } from "../../src/engine/index.js";
import {
  collect,
  nextConnection,
  once,
  openProbe,
  pollingSession,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

// engine.io's per-session events: `packet` (incoming), `packetCreate` (outgoing), `flush`,
// `drain`, `heartbeat`, `upgrading`, `upgrade`. @socket.io/admin-ui counts bytes with the
// first two.

afterEach(runCleanups);

describe("session events", () => {
  it("websocket: packet, packetCreate, flush, drain and heartbeat", async () => {
    const h = await startEngine({ pingInterval: 60, pingTimeout: 500 });
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    ws.on("message", (d: Buffer) => {
      if (d.toString() === "2") ws.send("3");
    });
    const c = await conn;
    const incoming = collect<PacketInfo>(c, "packet");
    const created = collect<PacketInfo>(c, "packetCreate");
    const flushed = collect<PacketInfo[]>(c, "flush");
    let drains = 0;
    let beats = 0;
    c.on("drain", () => drains++);
    c.on("heartbeat", () => beats++);
    await once(ws, "open");
    ws.send("4hi");
    ws.send(Buffer.from([1, 2]));
    await until(() => incoming.length >= 2);
    expect(incoming[0]).toEqual({ type: "message", data: "hi" });
    expect(incoming[1]?.type).toBe("message");
    c.send("yo", { compress: false });
    expect(created).toContainEqual({ type: "message", data: "yo", options: { compress: false } });
    expect(flushed.flat()).toContainEqual({
      type: "message",
      data: "yo",
      options: { compress: false },
    });
    await until(() => drains >= 1);
    await until(() => beats >= 1);
    // The server's ping was created and the client's pong received, as events.
    expect(created.some((p) => p.type === "ping")).toBe(true);
    expect(incoming.some((p) => p.type === "pong")).toBe(true);
    ws.close();
  });

  it("polling: a POSTed payload is one `packet` each; a GET's batch is one `flush`", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const incoming = collect<PacketInfo>(conn, "packet");
    const created = collect<PacketInfo>(conn, "packetCreate");
    const flushed = collect<PacketInfo[]>(conn, "flush");
    await fetch(h.url(`transport=polling&sid=${sid}`), { method: "POST", body: "4a\x1e4b" });
    expect(incoming).toEqual([
      { type: "message", data: "a" },
      { type: "message", data: "b" },
    ]);
    conn.send("c");
    conn.send("d");
    expect(created).toEqual([
      { type: "message", data: "c", options: { compress: true } },
      { type: "message", data: "d", options: { compress: true } },
    ]);
    expect(await (await fetch(h.url(`transport=polling&sid=${sid}`))).text()).toBe("4c\x1e4d");
    expect(flushed).toEqual([created]);
  });

  it("a broadcast (sendPrepared) is one packetCreate per frame", async () => {
    const { prepareMessage } = await import("../../src/engine/index.js");
    const h = await startEngine();
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const c = await conn;
    const created = collect<PacketInfo>(c, "packetCreate");
    await once(ws, "open");
    c.sendPrepared(prepareMessage(['51-["x",{"_placeholder":true,"num":0}]', Buffer.from([1])]));
    expect(created.map((p) => p.data)).toEqual([
      '51-["x",{"_placeholder":true,"num":0}]',
      Buffer.from([1]),
    ]);
    ws.close();
  });

  it("upgrading and upgrade fire with the WebSocket transport", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const upgrading = collect<{ name: string }>(conn, "upgrading");
    const upgraded = collect<{ name: string }>(conn, "upgrade");
    const { ws, frames } = await openProbe(h, sid);
    ws.send("2probe");
    await until(() => frames.length === 1);
    ws.send("5");
    await until(() => upgraded.length === 1);
    expect(upgrading.map((t) => t.name)).toEqual(["websocket"]);
    expect(upgraded.map((t) => t.name)).toEqual(["websocket"]);
    ws.close();
  });
});
