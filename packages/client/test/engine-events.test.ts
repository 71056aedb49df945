import type { Server } from "socket.io";
import { describe, expect, it } from "vitest";
import type { EngineSocket } from "../src/index.js";
import { connect, next, SERVER_KINDS, startServer, TRANSPORT_MODES, until } from "./helpers.js";

function binaryServer(io: Server) {
  io.on("connection", (socket) => {
    socket.on("bytes", (ack: (...args: unknown[]) => void) =>
      ack(Buffer.from([1, 2, 3]), { nested: new Uint8Array([4, 5]) }),
    );
  });
}

describe.each(SERVER_KINDS)("engine socket (%s server)", (kind) => {
  describe.each(TRANSPORT_MODES)("over $name", ({ transports }) => {
    it('binaryType "arraybuffer" delivers binary as ArrayBuffer in Node', async () => {
      const server = await startServer({}, binaryServer, kind);
      const socket = connect(server.url, { transports });
      expect(socket.io.engine?.binaryType).toBe("nodebuffer");
      await next(socket, "connect");
      const [asBuffer, nestedBuffer] = await new Promise<unknown[]>((resolve) =>
        socket.emit("bytes", (...args: unknown[]) => resolve(args)),
      );
      expect(Buffer.isBuffer(asBuffer)).toBe(true);
      expect(Buffer.isBuffer((nestedBuffer as { nested: unknown }).nested)).toBe(true);
      (socket.io.engine as EngineSocket).binaryType = "arraybuffer";
      const [bytes, nested] = await new Promise<unknown[]>((resolve) =>
        socket.emit("bytes", (...args: unknown[]) => resolve(args)),
      );
      expect(bytes).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(bytes as ArrayBuffer)]).toEqual([1, 2, 3]);
      const inner = (nested as { nested: unknown }).nested;
      expect(inner).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(inner as ArrayBuffer)]).toEqual([4, 5]);
    });

    it("emits packetCreate, flush and drain for what it sends; packet, heartbeat, data and message for what it gets", async () => {
      const server = await startServer(
        {},
        (io) => io.on("connection", (s) => s.on("hi", () => s.emit("hello"))),
        kind,
      );
      const socket = connect(server.url, { transports, autoConnect: false });
      const engine = (): EngineSocket => socket.io.engine as EngineSocket;
      socket.connect();
      const created: unknown[] = [];
      const events: string[] = [];
      const received: unknown[] = [];
      engine().on("packetCreate", (p) => created.push(p.data));
      for (const ev of ["flush", "drain", "heartbeat"] as const) {
        engine().on(ev, () => events.push(ev));
      }
      engine().on("packet", (p) => received.push(p.type));
      const data: unknown[] = [];
      const messages: unknown[] = [];
      engine().on("data", (d) => data.push(d));
      engine().on("message", (d) => messages.push(d));
      await next(socket, "connect");
      socket.emit("hi");
      await next(socket, "hello");
      // The Socket.IO CONNECT, then the event, as the frames that go on the wire.
      expect(created).toEqual(["0", '2["hi"]']);
      expect(events).toContain("flush");
      expect(events).toContain("drain");
      expect(events).toContain("heartbeat");
      expect(received[0]).toBe("open");
      expect(received).toContain("message");
      expect(data).toEqual(messages);
      expect(data).toContain('2["hello"]');
    });

    it("emits ping and pong for each heartbeat, and a pong packet is created", async () => {
      const server = await startServer({}, () => {}, kind);
      const socket = connect(server.url, { transports });
      await next(socket, "connect");
      const engine = socket.io.engine as EngineSocket;
      const order: string[] = [];
      engine.on("ping", () => order.push("ping"));
      engine.on("pong", () => order.push("pong"));
      engine.on("packetCreate", (p) => {
        if (p.type === "pong") order.push("packetCreate:pong");
      });
      await until(() => order.length >= 3);
      expect(order.slice(0, 3)).toEqual(["packetCreate:pong", "ping", "pong"]);
    });
  });

  it("emits upgrading and upgrade when polling upgrades", async () => {
    const server = await startServer({}, () => {}, kind);
    const socket = connect(server.url);
    const engine = socket.io.engine as EngineSocket;
    const upgrading = next(engine, "upgrading");
    const [transport] = await next<[{ name: string }]>(engine, "upgrade");
    await upgrading;
    expect(transport.name).toBe("websocket");
    expect(engine.transport?.name).toBe("websocket");
  });
});
