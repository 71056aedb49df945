import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { connect, next, onCleanup } from "./helpers.js";
import { rawServer } from "./raw-server.js";

/**
 * A server that connects the client, then sends `frames`. The client must close with
 * "parse error" (never throw into the process) and then reconnect.
 */
async function expectParseError(frames: (string | Buffer)[], opts = {}) {
  const server = await rawServer({
    onConnect: (ws, n) => {
      if (n === 1) for (const f of frames) ws.send(f);
    },
  });
  const socket = connect(server.url, { transports: ["websocket"], ...opts });
  // The garbage follows the CONNECT reply at once: listen before connecting.
  const disconnected = next<[string]>(socket, "disconnect");
  await next(socket, "connect");
  const [reason] = await disconnected;
  expect(reason).toBe("parse error");
  await next(socket, "connect");
  expect(server.connections()).toBe(2);
}

describe("bad input from a server", () => {
  it("invalid JSON in an event closes with 'parse error' and reconnects", async () => {
    await expectParseError(['42["x", {']);
  });

  it("an unknown Engine.IO packet type closes with 'parse error'", async () => {
    await expectParseError(["9hello"]);
  });

  it("an unknown Socket.IO packet type closes with 'parse error'", async () => {
    await expectParseError(["49"]);
  });

  it("an event named after a reserved event closes with 'parse error'", async () => {
    await expectParseError(['42["connect"]', '42["disconnect","x"]']);
  });

  it("a binary frame no packet announced closes with 'parse error'", async () => {
    await expectParseError([Buffer.from([1, 2, 3])]);
  });

  it("a placeholder naming a missing attachment closes with 'parse error'", async () => {
    await expectParseError(['451-["x",{"_placeholder":true,"num":"splice"}]', Buffer.from([1])]);
  });

  it("a frame over maxPayload closes with 'parse error'", async () => {
    await expectParseError([`42["big","${"x".repeat(2000)}"]`], { maxPayload: 1000 });
  });

  it("ignores acks for ids it never sent and keeps the connection", async () => {
    const server = await rawServer({
      onConnect: (ws) => {
        ws.send('43999["nobody asked"]');
        ws.send('43["no id at all"]'.replace("43", "431"));
        ws.send('42["fine",1]');
      },
    });
    const socket = connect(server.url, { transports: ["websocket"] });
    let disconnects = 0;
    socket.on("disconnect", () => disconnects++);
    const [value] = await next(socket, "fine");
    expect(value).toBe(1);
    expect(socket.connected).toBe(true);
    expect(disconnects).toBe(0);
  });

  it("an invalid handshake is a connect_error, not an exception", async () => {
    const server = await rawServer({ handshake: '{"sid":42}' });
    const socket = connect(server.url, { transports: ["websocket"], reconnection: false });
    const [err] = await next<[Error]>(socket, "connect_error");
    expect(err).toBeInstanceOf(Error);
    expect(socket.connected).toBe(false);
  });

  it("a polling response full of garbage is a connect_error, not an exception", async () => {
    const http = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" }).end("\x1e\x1e%%garbage\x00");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    onCleanup(() => new Promise((resolve) => http.close(resolve)));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const socket = connect(url, { transports: ["polling"], reconnectionAttempts: 2 });
    let errors = 0;
    socket.on("connect_error", () => errors++);
    await next(socket.io, "reconnect_failed");
    expect(errors).toBe(3);
  });

  it("a polling handshake refused with HTTP 400 is a connect_error", async () => {
    const http = createServer((_req, res) => {
      res.writeHead(400, { "content-type": "application/json" }).end('{"code":3}');
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    onCleanup(() => new Promise((resolve) => http.close(resolve)));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const socket = connect(url, { transports: ["polling"], reconnection: false });
    const [err] = await next<[Error & { description?: unknown }]>(socket, "connect_error");
    expect(err.message).toBe("xhr poll error");
    expect(err.description).toBe(400);
    expect((err as { context?: unknown }).context).toEqual({
      status: 400,
      responseText: '{"code":3}',
    });
  });

  it("a server that drops the connection before the namespace is joined", async () => {
    const server = await rawServer({ onFrame: (ws) => ws.terminate() });
    const socket = connect(server.url, { transports: ["websocket"], reconnection: false });
    let connects = 0;
    socket.on("connect", () => connects++);
    // The Engine.IO handshake arrives, then sending the Socket.IO CONNECT kills the socket.
    const [reason] = await next<[string]>(socket.io, "close");
    expect(reason).toBe("transport close");
    expect(connects).toBe(0);
    expect(socket.connected).toBe(false);
  });
});
