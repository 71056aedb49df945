import type { Socket as NetSocket } from "node:net";
import { describe, expect, it } from "vitest";
import type { EngineSocket } from "../src/index.js";
import { connect, next, SERVER_KINDS, startServer, TRANSPORT_MODES, until } from "./helpers.js";

// `socket.compress(flag)`: the emit's send option, as in socket.io-client. It shows on the
// engine's packetCreate (`packet.options.compress`), and `ws` in Node honours it.

describe.each(SERVER_KINDS)("compress (%s server)", (kind) => {
  describe.each(TRANSPORT_MODES)("over $name", ({ transports }) => {
    it("packetCreate carries options.compress: true by default, false after compress(false)", async () => {
      const server = await startServer({}, () => {}, kind);
      const socket = connect(server.url, { transports });
      await next(socket, "connect");
      const engine = socket.io.engine as EngineSocket;
      const options: unknown[] = [];
      engine.on("packetCreate", (p) => {
        if (p.type === "message") options.push(p.options);
      });
      socket.emit("a");
      socket.compress(false).emit("b");
      // The flag is the next emit's only.
      socket.emit("c");
      expect(options).toEqual([{ compress: true }, { compress: false }, { compress: true }]);
    });
  });

  it("over WebSocket in Node, compress(false) sends the frame uncompressed", async () => {
    const got: string[] = [];
    const server = await startServer(
      { perMessageDeflate: { threshold: 0 } },
      (io) => io.on("connection", (s) => s.on("big", (v: string) => got.push(v))),
      kind,
    );
    // Bytes the server's TCP sockets receive (after the upgrade: WebSocket frames).
    let received = 0;
    server.http.on("connection", (tcp: NetSocket) =>
      tcp.on("data", (chunk: Buffer) => {
        received += chunk.length;
      }),
    );
    const socket = connect(server.url, { transports: ["websocket"] });
    await next(socket, "connect");
    // Past ws's client-side threshold (1 KiB), and compressible to almost nothing.
    const big = "x".repeat(20_000);
    const sent = async (emit: () => void): Promise<number> => {
      const before = received;
      const count = got.length;
      emit();
      await until(() => got.length === count + 1);
      return received - before;
    };
    expect(await sent(() => socket.emit("big", big))).toBeLessThan(2_000);
    expect(await sent(() => socket.compress(false).emit("big", big))).toBeGreaterThan(20_000);
  });
});
