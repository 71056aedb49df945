import { describe, expect, it } from "vitest";
import { connect, next, SERVER_KINDS, startServer, until } from "./helpers.js";

describe.each(SERVER_KINDS)("connection state recovery (%s server)", (kind) => {
  it("sends pid and offset on reconnect and reports `recovered` with the missed events", async () => {
    const server = await startServer(
      { connectionStateRecovery: { maxDisconnectionDuration: 10_000 } },
      () => {},
      kind,
    );
    const socket = connect(server.url, { transports: ["websocket"] });
    const got: unknown[] = [];
    socket.on("news", (v: unknown) => got.push(v));
    await next(socket, "connect");
    expect(socket.recovered).toBe(false);
    const firstId = socket.id;
    server.io.emit("news", 1);
    await until(() => got.length === 1);
    const dropped = next(socket, "disconnect");
    for (const s of server.io.sockets.sockets.values()) s.conn.close();
    await dropped;
    server.io.emit("news", 2); // missed while away
    await next(socket, "connect");
    expect(socket.recovered).toBe(true);
    expect(socket.id).toBe(firstId);
    await until(() => got.length === 2);
    expect(got).toEqual([1, 2]);
  });
});
