import { describe, expect, it } from "vitest";
import { connect, next, SERVER_KINDS, startServer, until } from "./helpers.js";

describe.each(SERVER_KINDS)("emitWithAck without a timeout (%s server)", (kind) => {
  it("rejects with 'socket has been disconnected' on disconnect()", async () => {
    const server = await startServer({}, () => {}, kind);
    const socket = connect(server.url, { transports: ["websocket"] });
    await next(socket, "connect");
    const pending = socket.emitWithAck("nobody-answers");
    socket.disconnect();
    await expect(pending).rejects.toThrow("socket has been disconnected");
  });

  it("rejects when the connection drops, and still resolves with the server's value", async () => {
    const server = await startServer(
      {},
      (io) =>
        io.on("connection", (s) => s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v))),
      kind,
    );
    const socket = connect(server.url, { transports: ["websocket"] });
    await next(socket, "connect");
    expect(await socket.emitWithAck("echo", 0)).toBe(0);
    const pending = socket.emitWithAck("nobody-answers");
    await until(() => server.io.sockets.sockets.size === 1);
    for (const s of server.io.sockets.sockets.values()) s.conn.close();
    await expect(pending).rejects.toThrow("socket has been disconnected");
  });

  it("a plain ack callback is not called on disconnect (it takes no error)", async () => {
    const server = await startServer({}, () => {}, kind);
    const socket = connect(server.url, { transports: ["websocket"] });
    await next(socket, "connect");
    let called = false;
    socket.emit("nobody-answers", () => {
      called = true;
    });
    // An emitWithAck registered after it settles only after the disconnect handled both.
    const after = socket.emitWithAck("nobody-answers");
    socket.disconnect();
    await expect(after).rejects.toThrow();
    expect(called).toBe(false);
  });

  it("a timeout(ms) callback gets 'socket has been disconnected' at once, not at its deadline", async () => {
    const server = await startServer({}, () => {}, kind);
    const socket = connect(server.url, { transports: ["websocket"] });
    await next(socket, "connect");
    const got = new Promise<unknown>((resolve) =>
      socket.timeout(3_600_000).emit("nobody-answers", resolve),
    );
    socket.disconnect();
    expect(await got).toEqual(new Error("socket has been disconnected"));
  });
});
