import type { Server, Socket as ServerSocket } from "socket.io";
import { describe, expect, it } from "vitest";
import type { Socket } from "../src/index.js";
import { connect, next, SERVER_KINDS, startServer, TRANSPORT_MODES, until } from "./helpers.js";

function echoServer(io: Server) {
  io.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("relay", (...args: unknown[]) => socket.emit("relayed", ...args));
    socket.on("message", (...args: unknown[]) => socket.emit("got-message", ...args));
  });
}

describe.each(SERVER_KINDS)("against %s", (kind) => {
  describe.each(TRANSPORT_MODES)("over $name", ({ transports }) => {
    const start = (setup: (io: Server) => void = echoServer) => startServer({}, setup, kind);

    it("connects, gets an id, and disconnects with 'io client disconnect'", async () => {
      const server = await start();
      const serverSide = next<[ServerSocket]>(server.io, "connection");
      const socket = connect(server.url, { transports });
      expect(socket.active).toBe(true);
      await next(socket, "connect");
      const [serverSocket] = await serverSide;
      expect(socket.connected).toBe(true);
      expect(socket.disconnected).toBe(false);
      expect(socket.id).toBe(serverSocket.id);
      expect(socket.recovered).toBe(false);
      const serverReason = next<[string]>(serverSocket, "disconnect");
      const clientReason = next<[string]>(socket, "disconnect");
      socket.disconnect();
      expect(await clientReason).toEqual(["io client disconnect"]);
      expect((await serverReason)[0]).toBe("client namespace disconnect");
      expect(socket.connected).toBe(false);
      expect(socket.active).toBe(false);
      expect(socket.id).toBeUndefined();
    });

    it("emits and receives events with JSON and binary arguments", async () => {
      const server = await start();
      const socket = connect(server.url, { transports });
      const relayed = next<unknown[]>(socket, "relayed");
      socket.emit("relay", "text", 42, { nested: [true, null] }, Buffer.from([1, 2, 3]));
      const [text, num, obj, bin] = await relayed;
      expect([text, num, obj]).toEqual(["text", 42, { nested: [true, null] }]);
      expect(Buffer.isBuffer(bin)).toBe(true);
      expect([...(bin as Buffer)]).toEqual([1, 2, 3]);
    });

    it("sends typed arrays, ArrayBuffers and Blobs as binary, in emit order", async () => {
      const server = await start();
      const socket = connect(server.url, { transports });
      const got: unknown[][] = [];
      socket.on("relayed", (...args: unknown[]) => got.push(args));
      socket.emit("relay", new Uint16Array([1, 2]));
      socket.emit("relay", { blob: new Blob([new Uint8Array([9, 8, 7])]) });
      socket.emit("relay", new Uint8Array([4, 5]).buffer);
      await until(() => got.length === 3);
      const [[typed], [withBlob], [arrayBuffer]] = got as [[Buffer], [{ blob: Buffer }], [Buffer]];
      expect([...typed]).toEqual([1, 0, 2, 0]);
      expect([...withBlob.blob]).toEqual([9, 8, 7]);
      expect([...arrayBuffer]).toEqual([4, 5]);
    });

    it("send() emits 'message'", async () => {
      const server = await start();
      const socket = connect(server.url, { transports });
      const got = next(socket, "got-message");
      socket.send("hi", 1);
      expect(await got).toEqual(["hi", 1]);
    });

    it("acks client emits: callback, emitWithAck, and binary ack data", async () => {
      const server = await start();
      const socket = connect(server.url, { transports });
      const viaCallback = await new Promise((resolve) => socket.emit("echo", "a", resolve));
      expect(viaCallback).toBe("a");
      expect(await socket.emitWithAck("echo", { x: 1 })).toEqual({ x: 1 });
      const bin = await socket.emitWithAck("echo", Buffer.from("bytes"));
      expect(Buffer.from(bin as Buffer).toString()).toBe("bytes");
    });

    it("answers server acks (once, even if the callback is called twice)", async () => {
      const server = await start((io) => {
        io.on("connection", async (s) => {
          const answer = await s.timeout(2000).emitWithAck("question", 20);
          s.emit("answer", answer);
        });
      });
      const socket = connect(server.url, { transports });
      socket.on("question", (n: number, cb: (v: number) => void) => {
        cb(n + 1);
        cb(n + 2);
      });
      expect(await next(socket, "answer")).toEqual([21]);
    });

    it("timeout(ms) calls back with an error when the server never acks", async () => {
      const server = await start();
      const socket = connect(server.url, { transports });
      await next(socket, "connect");
      const err = await new Promise((resolve) =>
        socket.timeout(50).emit("nobody-listens", (e: Error | null) => resolve(e)),
      );
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toBe("operation has timed out");
      await expect(socket.timeout(50).emitWithAck("nobody-listens")).rejects.toThrow(
        "operation has timed out",
      );
      // With a timeout the ack gets (null, ...args) on success.
      const ok = await new Promise((resolve) =>
        socket.timeout(2000).emit("echo", 5, (e: Error | null, v: number) => resolve([e, v])),
      );
      expect(ok).toEqual([null, 5]);
      expect(await socket.timeout(2000).emitWithAck("echo", 6)).toBe(6);
    });

    it("onAny, prependAny, offAny, and the outgoing variants see every event", async () => {
      const server = await start();
      const socket = connect(server.url, { transports });
      const incoming: string[] = [];
      const outgoing: unknown[][] = [];
      const first = (ev: string) => incoming.push(`first:${ev}`);
      socket.onAny((ev) => incoming.push(ev));
      socket.prependAny(first);
      socket.onAnyOutgoing((...args) => outgoing.push(args));
      expect(socket.listenersAny()).toHaveLength(2);
      socket.emit("relay", 1);
      await next(socket, "relayed");
      expect(incoming).toEqual(["first:relayed", "relayed"]);
      expect(outgoing).toEqual([["relay", 1]]);
      socket.offAny(first);
      socket.offAnyOutgoing();
      socket.emit("relay", 2);
      await next(socket, "relayed");
      expect(incoming).toEqual(["first:relayed", "relayed", "relayed"]);
      expect(outgoing).toHaveLength(1);
      expect(socket.listenersAnyOutgoing()).toEqual([]);
    });

    it("on/once/off/removeAllListeners/listeners manage local listeners", async () => {
      const server = await start();
      const socket = connect(server.url, { transports });
      const seen: string[] = [];
      const a = () => seen.push("a");
      socket.on("relayed", a);
      socket.once("relayed", () => seen.push("once"));
      expect(socket.listeners("relayed")).toHaveLength(2);
      socket.emit("relay");
      await next(socket, "relayed");
      expect(seen).toEqual(["a", "once"]);
      socket.off("relayed", a);
      expect(socket.listeners("relayed")).toEqual([]);
      socket.emit("relay");
      await next(socket, "relayed");
      expect(seen).toEqual(["a", "once"]);
      socket.on("relayed", a);
      socket.removeAllListeners("relayed");
      expect(socket.listeners("relayed")).toEqual([]);
    });

    it("sends auth as an object or from a function", async () => {
      const auths: unknown[] = [];
      const server = await start((io) => {
        io.on("connection", (s) => auths.push(s.handshake.auth));
      });
      const a = connect(server.url, { transports, auth: { token: "abc" } });
      const b = connect(server.url, { transports, auth: (cb) => cb({ token: "fn" }) });
      await Promise.all([next(a, "connect"), next(b, "connect")]);
      expect(auths).toEqual(expect.arrayContaining([{ token: "abc" }, { token: "fn" }]));
    });

    it("connect_error carries the middleware's message and data", async () => {
      const server = await start((io) => {
        io.use((_socket, nextFn) => {
          const err = new Error("not authorized") as Error & { data: unknown };
          err.data = { code: 401 };
          nextFn(err);
        });
      });
      const socket = connect(server.url, { transports });
      const [err] = await next<[Error & { data?: unknown }]>(socket, "connect_error");
      expect(err.message).toBe("not authorized");
      expect(err.data).toEqual({ code: 401 });
      // Refused by the server: the socket does not try again on its own.
      expect(socket.active).toBe(false);
      expect(socket.connected).toBe(false);
    });

    it("a server-side disconnect gives 'io server disconnect' and no reconnection", async () => {
      const server = await start((io) => io.on("connection", (s) => s.disconnect()));
      const socket = connect(server.url, { transports });
      const [reason] = await next<[string]>(socket, "disconnect");
      expect(reason).toBe("io server disconnect");
      expect(socket.active).toBe(false);
      // It can be reconnected by hand.
      socket.connect();
      await next(socket, "connect");
    });

    it("sends extraHeaders (Node)", async () => {
      const headers: unknown[] = [];
      const server = await start((io) =>
        io.on("connection", (s) => headers.push(s.handshake.headers["x-token"])),
      );
      const socket = connect(server.url, { transports, extraHeaders: { "x-token": "secret" } });
      await next(socket, "connect");
      expect(headers).toEqual(["secret"]);
    });

    it("a query in the URL or the options reaches the handshake", async () => {
      const queries: unknown[] = [];
      const server = await start((io) =>
        io.on("connection", (s) => queries.push(s.handshake.query)),
      );
      const a = connect(`${server.url}/?room=1`, { transports });
      const b = connect(server.url, { transports, query: { user: "bob", n: 1, ok: true } });
      await Promise.all([next(a, "connect"), next(b, "connect")]);
      expect(queries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ room: "1", EIO: "4" }),
          expect.objectContaining({ user: "bob", n: "1", ok: "true" }),
        ]),
      );
    });

    it("answers the heartbeat and stays connected across several ping intervals", async () => {
      const server = await start();
      const socket = connect(server.url, { transports });
      let pings = 0;
      socket.io.on("ping", () => pings++);
      await next(socket, "connect");
      await until(() => pings >= 3);
      expect(socket.connected).toBe(true);
      expect(await socket.emitWithAck("echo", "still here")).toBe("still here");
    });

    it("emits volatile packets when connected and drops them while disconnected", async () => {
      const server = await start();
      const socket = connect(server.url, { transports, autoConnect: false });
      const got: unknown[] = [];
      socket.on("relayed", (v: unknown) => got.push(v));
      socket.volatile.emit("relay", "dropped");
      socket.emit("relay", "buffered");
      socket.connect();
      await until(() => got.length === 1);
      expect(got).toEqual(["buffered"]);
      await until(() => socket.io.engine?.transport?.writable === true);
      socket.volatile.emit("relay", "sent");
      await until(() => got.length === 2);
      expect(got).toEqual(["buffered", "sent"]);
    });
  });
});

describe("upgrade", () => {
  it("starts on WebSocket after a successful upgrade when rememberUpgrade is set", async () => {
    const server = await startServer({}, echoServer);
    const first: Socket = connect(server.url);
    await next(first, "connect");
    if (first.io.engine?.transport?.name !== "websocket")
      await next(first.io.engine as never, "upgrade");
    const second: Socket = connect(server.url, { rememberUpgrade: true });
    await next(second, "connect");
    expect(second.io.engine?.transport?.name).toBe("websocket");
    expect(await second.emitWithAck("echo", 3)).toBe(3);
  });

  it("upgrades from polling to WebSocket and keeps the conversation going", async () => {
    const server = await startServer({}, echoServer);
    const socket: Socket = connect(server.url);
    await next(socket, "connect");
    const engine = socket.io.engine;
    if (engine?.transport?.name !== "websocket") await next(engine as never, "upgrade");
    expect(engine?.transport?.name).toBe("websocket");
    expect(await socket.emitWithAck("echo", "after upgrade")).toBe("after upgrade");
    const [serverSocket] = [...server.io.sockets.sockets.values()];
    expect(serverSocket?.conn.transport.name).toBe("websocket");
  });

  it("does not upgrade when upgrade: false", async () => {
    const server = await startServer({}, echoServer);
    const socket: Socket = connect(server.url, { upgrade: false });
    await next(socket, "connect");
    expect(await socket.emitWithAck("echo", 1)).toBe(1);
    expect(socket.io.engine?.transport?.name).toBe("polling");
  });

  it("falls back to polling when the WebSocket cannot open", async () => {
    const server = await startServer({ transports: ["polling"] }, echoServer);
    const socket: Socket = connect(server.url, { transports: ["websocket", "polling"] });
    await next(socket, "connect");
    expect(socket.io.engine?.transport?.name).toBe("polling");
    expect(await socket.emitWithAck("echo", 2)).toBe(2);
  });
});
