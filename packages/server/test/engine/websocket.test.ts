import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type EngineConnection, prepareMessage } from "../../src/engine/index.js";
import {
  collect,
  type Harness,
  nextConnection,
  once,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

afterEach(runCleanups);

async function wsSession(h: Harness, options?: WebSocket.ClientOptions) {
  const conn = nextConnection(h.engine);
  const ws = new WebSocket(h.wsUrl("transport=websocket"), options);
  const frames = collect<Buffer>(ws, "message");
  await until(() => frames.length > 0);
  const c = await conn;
  return { ws, conn: c, frames };
}

describe("websocket transport", () => {
  it("echo: text and binary frames; binary arrives as a Buffer", async () => {
    const h = await startEngine();
    const received: unknown[] = [];
    h.engine.on("connection", (s) =>
      s.on("message", (d) => {
        received.push(d);
        s.send(d);
      }),
    );
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const frames: { data: Buffer; binary: boolean }[] = [];
    ws.on("message", (data: Buffer, binary) => frames.push({ data, binary }));
    await once(ws, "open");
    ws.send("4héllo");
    ws.send(Buffer.from([9, 8, 7]));
    await until(() => frames.length === 3);
    expect(received[0]).toBe("héllo");
    expect(Buffer.isBuffer(received[1])).toBe(true);
    expect([...(received[1] as Buffer)]).toEqual([9, 8, 7]);
    expect(frames[1]).toEqual({ data: Buffer.from("4héllo"), binary: false });
    expect(frames[2]?.binary).toBe(true);
    expect([...(frames[2]?.data ?? [])]).toEqual([9, 8, 7]);
    ws.close();
  });

  it("an oversized message → close 1009, session ends with transport error, others unaffected", async () => {
    const h = await startEngine({ maxHttpBufferSize: 1000 });
    const a = await wsSession(h);
    const b = await wsSession(h);
    const closed = once(a.conn, "close");
    const code = once<number>(a.ws, "close");
    a.ws.send(`4${"x".repeat(2000)}`);
    expect(await code).toBe(1009);
    expect(await closed).toBe("transport error");
    const echo = once<string>(b.conn, "message");
    b.ws.send("4alive");
    expect(await echo).toBe("alive");
    b.ws.close();
  });

  it("an unknown packet type → parse error", async () => {
    const h = await startEngine();
    const { ws, conn } = await wsSession(h);
    const closed = once(conn, "close");
    ws.send("9what");
    expect(await closed).toBe("parse error");
  });

  it("an empty text frame → parse error", async () => {
    const h = await startEngine();
    const { ws, conn } = await wsSession(h);
    const closed = once(conn, "close");
    ws.send("");
    expect(await closed).toBe("parse error");
  });

  it("the client closing → transport close", async () => {
    const h = await startEngine();
    const { ws, conn } = await wsSession(h);
    const closed = once(conn, "close");
    ws.close();
    expect(await closed).toBe("transport close");
    expect(h.engine.clientsCount).toBe(0);
  });

  it("conn.close() flushes and closes: forced close", async () => {
    const h = await startEngine();
    const { ws, conn, frames } = await wsSession(h);
    const closed = once(conn, "close");
    const wsClosed = once(ws, "close");
    conn.send("last words");
    conn.close();
    expect(await closed).toBe("forced close");
    await wsClosed;
    expect(frames.map(String).slice(1)).toEqual(["4last words"]);
  });

  it("sendPrepared encodes a broadcast once and every recipient gets the same frames", async () => {
    const h = await startEngine();
    const sessions = [await wsSession(h), await wsSession(h), await wsSession(h)];
    const message = prepareMessage(['2["chat","hi"]', new Uint8Array([1, 2])]);
    for (const s of sessions) s.conn.sendPrepared(message);
    await until(() => sessions.every((s) => s.frames.length === 3));
    const cached = message.cache.get("websocket") as { data: Buffer; framed: Buffer | null }[];
    expect(cached).toHaveLength(2);
    // Framed once (header + payload) with ws's Sender.frame, written as-is to every socket.
    expect(cached[0]?.framed).toBeInstanceOf(Buffer);
    expect(cached[0]?.framed?.subarray(2).toString()).toBe('42["chat","hi"]');
    for (const s of sessions) {
      expect(s.frames[1]?.toString()).toBe('42["chat","hi"]');
      expect([...(s.frames[2] ?? [])]).toEqual([1, 2]);
    }
    // The cache is reused, not rebuilt, for a later recipient.
    const late = await wsSession(h);
    late.conn.sendPrepared(message);
    expect(message.cache.get("websocket")).toBe(cached);
    await until(() => late.frames.length === 3);
  });

  it("sendPrepared to a polling session shares the encoded text", async () => {
    const h = await startEngine();
    const conn = nextConnection(h.engine);
    const { sid } = JSON.parse((await (await fetch(h.url("transport=polling"))).text()).slice(1));
    const c: EngineConnection = await conn;
    const message = prepareMessage(["2[1]", new Uint8Array([255])]);
    c.sendPrepared(message);
    const body = await (await fetch(h.url(`transport=polling&sid=${sid}`))).text();
    expect(body).toBe("42[1]\x1eb/w==");
    expect(message.cache.get("polling")).toEqual(["42[1]", "b/w=="]);
  });

  it("many sends in one tick arrive in order", async () => {
    const h = await startEngine();
    const { conn, frames } = await wsSession(h);
    for (let i = 0; i < 500; i++) conn.send(String(i));
    await until(() => frames.length === 501);
    expect(frames.slice(1).map((f) => Number(f.toString().slice(1)))).toEqual(
      Array.from({ length: 500 }, (_, i) => i),
    );
  });

  it("emits drain once the writes reach the socket", async () => {
    const h = await startEngine();
    const { conn } = await wsSession(h);
    const drained = once(conn, "drain");
    conn.send("x");
    await drained;
  });

  it("perMessageDeflate negotiates and compresses when enabled", async () => {
    const h = await startEngine({ perMessageDeflate: { threshold: 0 } });
    const { ws, conn, frames } = await wsSession(h, { perMessageDeflate: true });
    expect(ws.extensions).toContain("permessage-deflate");
    conn.send("a".repeat(10_000));
    await until(() => frames.length === 2);
    expect(frames[1]?.toString()).toBe(`4${"a".repeat(10_000)}`);
    // With an extension negotiated, broadcasts go through ws.send (never pre-framed bytes).
    const message = prepareMessage(["b".repeat(5000)], { compress: true });
    conn.sendPrepared(message);
    await until(() => frames.length === 3);
    expect(frames[2]?.toString()).toBe(`4${"b".repeat(5000)}`);
    const cached = message.cache.get("websocket") as { framed: Buffer | null }[];
    expect(cached[0]?.framed).toBeNull();
    const off = await startEngine();
    const plain = await wsSession(off, { perMessageDeflate: true });
    expect(plain.ws.extensions).toBe("");
  });

  it("a user handler that throws is reported, not thrown into the transport", async () => {
    const h = await startEngine();
    const errors: unknown[] = [];
    h.engine.on("error", (e) => errors.push(e));
    h.engine.on("connection", (s) =>
      s.on("message", () => {
        throw new Error("handler bug");
      }),
    );
    const { ws, conn } = await wsSession(h);
    ws.send("4x");
    await until(() => errors.length === 1);
    expect((errors[0] as Error).message).toBe("handler bug");
    expect(conn.readyState).toBe("open");
  });
});
