import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ParserModule, Server, type Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES, until } from "./helpers.js";

// The official socket.io-client with socket.io-msgpack-parser (and with socket.io-parser
// passed explicitly, which exercises the generic path with binary attachments) against Parley.
const require = createRequire(import.meta.url);
const msgpackParser = require("socket.io-msgpack-parser") as ParserModule & {
  Encoder: new () => { encode(packet: object): Uint8Array[] };
};
const socketIoParser = require("socket.io-parser") as ParserModule;

const PARSERS = [
  { name: "socket.io-msgpack-parser", parser: msgpackParser },
  { name: "socket.io-parser", parser: socketIoParser },
] as const;

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each(PARSERS)("parser option: $name", ({ parser }) => {
  it.each(TRANSPORT_MODES.map((m) => ({ ...m, name: m.mode })))(
    "the official client connects and talks both ways, with acks and binary ($mode)",
    async (mode) => {
      h = await startServer({ parser }, { parser, ...mode.client });
      h.io.on("connection", (socket) => {
        socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
        socket.emit("welcome", { bin: Buffer.from([1, 2, 3]), text: "hi" });
      });
      const c = h.client();
      c.on("ask", (v: unknown, cb: (v: unknown) => void) => cb(v));
      const [welcome] = await next<[{ bin: Buffer; text: string }]>(c, "welcome");
      expect(welcome.text).toBe("hi");
      expect([...welcome.bin]).toEqual([1, 2, 3]);
      const reply = await c.timeout(2000).emitWithAck("echo", { n: 1, bin: Buffer.from([9]) });
      expect(reply.n).toBe(1);
      expect([...reply.bin]).toEqual([9]);
      const server = [...h.io.sockets.sockets.values()][0] as Socket;
      expect(await server.timeout(2000).emitWithAck("ask", 5)).toBe(5);
    },
  );

  it("broadcasts (io.emit, rooms, with offsets for recovery) reach clients", async () => {
    h = await startServer(
      { parser, connectionStateRecovery: {} },
      { parser, transports: ["websocket"] },
    );
    h.io.on("connection", (socket) => socket.join("room"));
    const a = h.client();
    const b = h.client();
    await Promise.all([next(a, "connect"), next(b, "connect")]);
    await until(() => h?.io.sockets.sockets.size === 2, "two sockets");
    const got = Promise.all([next(a, "news"), next(b, "news")]);
    h.io.to("room").emit("news", Buffer.from([4, 2]));
    const [[fromA], [fromB]] = (await got) as [[Buffer, string], [Buffer, string]];
    expect([...fromA]).toEqual([4, 2]);
    expect([...fromB]).toEqual([4, 2]);
  });
});

describe("parser option: errors", () => {
  it("refuses a module without socket.io-parser's shape at construction", () => {
    expect(() => new Server({ parser: {} as ParserModule })).toThrow(/Encoder, Decoder/);
    expect(() => new Server({ parser: { Encoder: class {}, Decoder: class {} } as never })).toThrow(
      /encode/,
    );
  });

  it("a packet the parser cannot decode: error event, then forced close", async () => {
    h = await startServer({ parser: msgpackParser });
    const events: string[] = [];
    h.io.on("connection", (socket) => {
      socket.on("error", (err) => events.push(`error ${err instanceof Error}`));
      socket.on("disconnect", (reason) => events.push(reason));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=websocket`);
    ws.on("error", () => {});
    await next(ws, "open");
    ws.send(new msgpackParser.Encoder().encode({ type: 0, nsp: "/" })[0] as Uint8Array);
    await until(() => h?.io.sockets.sockets.size === 1, "connected");
    ws.send("4 not msgpack");
    await until(() => events.length === 2, "error and disconnect");
    expect(events).toEqual(["error true", "forced close"]);
    ws.terminate();
  });

  it("a decoded packet of the wrong shape (reserved event name) is refused the same way", async () => {
    h = await startServer({ parser: msgpackParser });
    const events: string[] = [];
    h.io.on("connection", (socket) => {
      socket.on("error", (err) => events.push(`error ${(err as { code?: string }).code}`));
      socket.on("disconnect", (reason) => events.push(reason));
    });
    const encoder = new msgpackParser.Encoder();
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=websocket`);
    ws.on("error", () => {});
    await next(ws, "open");
    ws.send(encoder.encode({ type: 0, nsp: "/" })[0] as Uint8Array);
    await until(() => h?.io.sockets.sockets.size === 1, "connected");
    ws.send(encoder.encode({ type: 2, nsp: "/", data: ["disconnect"] })[0] as Uint8Array);
    await until(() => events.length === 2, "error and disconnect");
    expect(events).toEqual(["error RESERVED_EVENT_NAME", "forced close"]);
    ws.terminate();
  });
});
