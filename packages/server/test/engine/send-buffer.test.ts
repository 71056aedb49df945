import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  collect,
  nextConnection,
  once,
  pollingHandshake,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

afterEach(runCleanups);

describe("bounded send buffer (maxBufferedBytes)", () => {
  it("polling: a queue that would pass twice the limit closes the session", async () => {
    const h = await startEngine({ maxBufferedBytes: 1000 });
    const conn = nextConnection(h.engine);
    const { sid } = await pollingHandshake(h);
    const c = await conn;
    const reasons = collect<string>(c, "close");
    const chunk = "x".repeat(600);
    c.send(chunk);
    c.send(chunk);
    c.send(chunk);
    expect(reasons).toEqual([]);
    c.send(chunk);
    expect(reasons).toEqual(["send buffer overflow"]);
    expect((await fetch(h.url(`transport=polling&sid=${sid}`))).status).toBe(400);
  });

  it("a single message larger than the limit into an empty buffer is accepted", async () => {
    const h = await startEngine({ maxBufferedBytes: 1000 });
    const conn = nextConnection(h.engine);
    const { sid } = await pollingHandshake(h);
    const c = await conn;
    c.send("y".repeat(5000));
    expect(c.readyState).toBe("open");
    const body = await (await fetch(h.url(`transport=polling&sid=${sid}`))).text();
    expect(body.length).toBe(5001);
  });

  it("websocket: over the limit volatile sends are dropped, others kept; then it drains", async () => {
    const h = await startEngine({ maxBufferedBytes: 10_000 });
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const frames = collect<Buffer>(ws, "message");
    const c = await conn;
    await until(() => frames.length === 1);
    const drains = collect(c, "drain");
    const chunk = "z".repeat(1000);
    // Writes of one tick stay corked in the socket buffer, so bufferedAmount grows here.
    for (let i = 0; i < 11; i++) c.send(chunk);
    c.send("volatile-dropped", { volatile: true });
    c.send("kept");
    expect(c.readyState).toBe("open");
    await until(() => frames.length === 13);
    const texts = frames.slice(1).map(String);
    expect(texts).not.toContain("4volatile-dropped");
    expect(texts.at(-1)).toBe("4kept");
    await until(() => drains.length > 0);
    c.send("volatile-ok", { volatile: true });
    await until(() => frames.length === 14);
    expect(String(frames[13])).toBe("4volatile-ok");
    ws.close();
  });

  it("websocket: a burst past twice the limit closes with send buffer overflow", async () => {
    const h = await startEngine({ maxBufferedBytes: 10_000 });
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const c = await conn;
    const reasons = collect<string>(c, "close");
    for (let i = 0; i < 100 && c.readyState === "open"; i++) c.send("w".repeat(1000));
    expect(reasons).toEqual(["send buffer overflow"]);
    await once(ws, "close");
  });

  it("defaults: a burst of 100 × 64 KiB in one tick is delivered whole (engine.io's test)", async () => {
    const h = await startEngine({ transports: ["websocket"] });
    // Eight of the largest messages the engine accepts (maxHttpBufferSize, 1e6 by default).
    expect(h.engine.options.maxBufferedBytes).toBe(8e6);
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const frames = collect<Buffer>(ws, "message");
    const c = await conn;
    await until(() => frames.length === 1);
    const payload = "a".repeat(65_535);
    for (let i = 0; i < 100; i++) c.send(`${payload}|message: ${i}`);
    expect(c.readyState).toBe("open");
    await until(() => frames.length === 101, 20_000);
    expect(String(frames[100])).toBe(`4${payload}|message: 99`);
    ws.close();
  });

  it("the default follows maxHttpBufferSize, never under 2 MiB", async () => {
    expect((await startEngine({ maxHttpBufferSize: 1e8 })).engine.options.maxBufferedBytes).toBe(
      8e8,
    );
    expect((await startEngine({ maxHttpBufferSize: 1000 })).engine.options.maxBufferedBytes).toBe(
      2 * 1024 * 1024,
    );
    const set = await startEngine({ maxHttpBufferSize: 1e8, maxBufferedBytes: 5000 });
    expect(set.engine.options.maxBufferedBytes).toBe(5000);
  });

  it("a peer that answers pings but never reads is closed at the next heartbeat", async () => {
    const h = await startEngine({ maxBufferedBytes: 1000, pingInterval: 40, pingTimeout: 500 });
    const conn = nextConnection(h.engine);
    const { sid } = await pollingHandshake(h);
    const c = await conn;
    const reasons = collect<string>(c, "close");
    c.send("q".repeat(1500));
    // Blind pongs over POST, never a GET: alive, but not consuming.
    const url = h.url(`transport=polling&sid=${sid}`);
    for (let i = 0; i < 50 && reasons.length === 0; i++) {
      await fetch(url, { method: "POST", body: "3" });
      await new Promise((r) => setTimeout(r, 15));
    }
    expect(reasons).toEqual(["send buffer overflow"]);
  });
});
