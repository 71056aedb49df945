import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  collect,
  type Harness,
  nextConnection,
  once,
  pollingHandshake,
  rawUpgrade,
  runCleanups,
  startEngine,
  until,
  upgradeBody,
} from "./helpers.js";

afterEach(runCleanups);

/** The server still serves: a polling handshake and a WebSocket echo both work. */
async function stillServing(h: Harness): Promise<void> {
  expect((await pollingHandshake(h)).sid).toBeTruthy();
  const ws = new WebSocket(h.wsUrl("transport=websocket"));
  const frames = collect<Buffer>(ws, "message");
  await until(() => frames.length === 1);
  expect(frames[0]?.toString()[0]).toBe("0");
  ws.close();
}

/** A masked client frame, written by hand (payloads under 126 bytes). */
function frame(opcode: number, fin: boolean, payload: Buffer): Buffer {
  if (payload.length >= 126) throw new Error("short frames only");
  const mask = randomBytes(4);
  const out = Buffer.alloc(2 + 4 + payload.length);
  out[0] = (fin ? 0x80 : 0) | opcode;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++)
    out[6 + i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return out;
}

/** Opens a raw TCP connection and performs a WebSocket handshake by hand. */
async function rawWebSocket(
  h: Harness,
  extra: Buffer = Buffer.alloc(0),
): Promise<{ socket: Socket; received: () => Buffer }> {
  const socket = connect(h.port, "127.0.0.1");
  socket.on("error", () => {});
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  await once(socket, "connect");
  // One write, so the frames travel in the same packet as the headers (Node's `head`).
  socket.write(
    Buffer.concat([
      Buffer.from(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" +
          `Host: 127.0.0.1:${h.port}\r\n` +
          "Connection: Upgrade\r\nUpgrade: websocket\r\n" +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      ),
      extra,
    ]),
  );
  const received = () => Buffer.concat(chunks);
  await until(() => received().includes("\r\n\r\n"));
  return { socket, received };
}

/** The close code in the first close frame (opcode 8) the server sent, if any. */
function closeCode(data: Buffer): number | undefined {
  let i = data.indexOf("\r\n\r\n") + 4;
  while (i + 2 <= data.length) {
    const opcode = (data[i] as number) & 0x0f;
    let len = (data[i + 1] as number) & 0x7f;
    let off = i + 2;
    if (len === 126) {
      len = data.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      return undefined;
    }
    if (opcode === 8) return len >= 2 ? data.readUInt16BE(off) : 1005;
    i = off + len;
  }
  return undefined;
}

describe("hostile input ends at most one session", () => {
  it("a text frame with FIN=0 followed by endless continuation frames → 1009 at maxPayload", async () => {
    const h = await startEngine({ maxHttpBufferSize: 4000 });
    const conn = nextConnection(h.engine);
    const { socket, received } = await rawWebSocket(h);
    const c = await conn;
    const reason = once(c, "close");
    let closed = false;
    socket.once("close", () => {
      closed = true;
    });
    socket.write(frame(1, false, Buffer.from(`4${"a".repeat(99)}`)));
    const chunk = Buffer.alloc(100, 0x62);
    // Bounded loop: far more than maxPayload, stopping as soon as the server gives up.
    for (let i = 0; i < 2000 && !closed && !socket.destroyed; i++) {
      socket.write(frame(0, false, chunk));
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(await reason).toBe("transport error");
    await until(() => closeCode(received()) !== undefined);
    expect(closeCode(received())).toBe(1009);
    socket.destroy();
    await stillServing(h);
  });

  it("an upgrade request with thousands of headers: refused by the HTTP parser, server fine", async () => {
    const h = await startEngine();
    let headers = "";
    for (let i = 0; i < 5000; i++) headers += `X-Filler-${i}: ${i}\r\n`;
    const response = await new Promise<string>((resolve) => {
      const socket = connect(h.port, "127.0.0.1");
      let data = "";
      socket.on("data", (c) => {
        data += c.toString("latin1");
      });
      socket.on("error", () => resolve(data));
      socket.on("close", () => resolve(data));
      socket.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`,
      );
    });
    expect(response.startsWith("HTTP/1.1 101")).toBe(false);
    expect(h.engine.clientsCount).toBe(0);
    await stillServing(h);
  });

  it("Sec-WebSocket-Protocol of 32k spaces (and of 8k) does not open a session or crash", async () => {
    const h = await startEngine();
    const huge = await rawUpgrade(h, "EIO=4&transport=websocket", {
      "Sec-WebSocket-Protocol": " ".repeat(32 * 1024),
    });
    expect(huge.startsWith("HTTP/1.1 101")).toBe(false);
    const medium = await rawUpgrade(h, "EIO=4&transport=websocket", {
      "Sec-WebSocket-Protocol": `a${" ".repeat(8 * 1024)}b`,
    });
    expect(medium.startsWith("HTTP/1.1 400")).toBe(true);
    await stillServing(h);
  });

  it("Sec-WebSocket-Extensions: constructor is harmless, with and without permessage-deflate", async () => {
    for (const perMessageDeflate of [false, true]) {
      const h = await startEngine({ perMessageDeflate });
      const res = await rawUpgrade(
        h,
        "EIO=4&transport=websocket",
        { "Sec-WebSocket-Extensions": "constructor" },
        true,
      );
      // Either accepted without any extension, or refused: never a crash or a bogus extension.
      expect(res).toMatch(/^HTTP\/1\.1 (101|400)/);
      expect(res.toLowerCase()).not.toContain("sec-websocket-extensions");
      for (const ext of [
        "__proto__",
        "permessage-deflate; __proto__=1",
        "toString; constructor=2",
      ]) {
        const r = await rawUpgrade(
          h,
          "EIO=4&transport=websocket",
          { "Sec-WebSocket-Extensions": ext },
          true,
        );
        expect(r).toMatch(/^HTTP\/1\.1 (101|400)/);
      }
      await stillServing(h);
    }
  });

  it("garbage bytes right after the upgrade headers end that session only", async () => {
    const h = await startEngine();
    const reasons: string[] = [];
    h.engine.on("connection", (s) => s.on("close", (r) => reasons.push(r)));
    // Unmasked, reserved opcode: a protocol error for a server.
    const { socket, received } = await rawWebSocket(h, Buffer.from("8f0568656c6c6fffffff", "hex"));
    await until(() => reasons.length === 1);
    expect(reasons).toEqual(["transport error"]);
    // ws answers a protocol error with close 1002 (then waits for our close frame, bounded).
    await until(() => closeCode(received()) !== undefined);
    expect(closeCode(received())).toBe(1002);
    socket.destroy();
    await stillServing(h);
  });

  it("valid frames sent right after the upgrade headers are read as the first messages", async () => {
    const h = await startEngine();
    const conn = nextConnection(h.engine);
    const got: unknown[] = [];
    h.engine.on("connection", (s) => s.on("message", (d) => got.push(d)));
    const { socket } = await rawWebSocket(h, frame(1, true, Buffer.from("4early")));
    await conn;
    await until(() => got.length === 1);
    expect(got).toEqual(["early"]);
    socket.destroy();
  });

  it("bytes after a refused upgrade's headers are ignored", async () => {
    const h = await startEngine();
    const res = await new Promise<string>((resolve) => {
      const socket = connect(h.port, "127.0.0.1");
      let data = "";
      socket.on("data", (c) => {
        data += c.toString("latin1");
      });
      socket.on("error", () => resolve(data));
      socket.on("close", () => resolve(data));
      socket.write(
        "GET /socket.io/?EIO=4&transport=websocket&sid=nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\x00\x01garbage",
      );
    });
    expect(upgradeBody(res)).toEqual({
      status: 400,
      body: { code: 1, message: "Session ID unknown" },
    });
    await stillServing(h);
  });

  it("a non-WebSocket upgrade (Upgrade: foo) then a TCP reset, on our path and elsewhere", async () => {
    const h = await startEngine();
    for (const path of ["/socket.io/?EIO=4&transport=websocket", "/elsewhere"]) {
      const socket = connect(h.port, "127.0.0.1");
      socket.on("error", () => {});
      await once(socket, "connect");
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n`,
      );
      await new Promise((r) => setTimeout(r, 20));
      socket.resetAndDestroy();
    }
    const answered = await rawUpgrade(h, "EIO=4&transport=websocket", { Upgrade: "foo" });
    expect(upgradeBody(answered)).toEqual({
      status: 400,
      body: { code: 3, message: "Bad request" },
    });
    await stillServing(h);
  });

  it("an upgrade outside our path that nobody handles is ended after destroyUpgradeTimeout", async () => {
    const { createServer } = await import("node:http");
    const { Engine } = await import("../../src/engine/index.js");
    const { listen, onCleanup } = await import("./helpers.js");
    const server = createServer();
    const engine = new Engine();
    engine.attach(server, { destroyUpgradeTimeout: 50 });
    onCleanup(() => void engine.close());
    const port = await listen(server);
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write(
      "GET /other HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    );
    await once(socket, "close");
  });

  it("hostile polling input: garbage in one session does not touch another", async () => {
    const h = await startEngine();
    const aConn = nextConnection(h.engine);
    const a = await pollingHandshake(h);
    const ca = await aConn;
    const bConn = nextConnection(h.engine);
    const b = await pollingHandshake(h);
    const cb = await bConn;
    const aClosed = once(ca, "close");
    await fetch(h.url(`transport=polling&sid=${a.sid}`), {
      method: "POST",
      body: "\x00\x1e\x1e\xff",
    });
    expect(await aClosed).toBe("parse error");
    const got = once(cb, "message");
    await fetch(h.url(`transport=polling&sid=${b.sid}`), { method: "POST", body: "4ok" });
    expect(await got).toBe("ok");
  });
});
