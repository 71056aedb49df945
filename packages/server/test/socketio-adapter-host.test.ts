import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { SocketIoAdapterHost } from "../src/adapter/index.js";
import type { PreparedMessage } from "../src/engine/contract.js";
import { type ParserModule, Server, type ServerOptions } from "../src/index.js";
import { type Harness, next, startServer, until } from "./helpers.js";

// socket.io-adapter's own in-memory `Adapter`, passed as a class, hosted on one server: what
// the hosting layer itself does (delivery, encode once, the parser, room events, acks).
// Across servers, on real brokers: test/socketio-adapters/.
const require = createRequire(import.meta.url);
const { Adapter } = require("socket.io-adapter") as {
  Adapter: NonNullable<ServerOptions["adapter"]> & (new (nsp: unknown) => object);
};
const msgpackParser = require("socket.io-msgpack-parser") as ParserModule;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function clients(harness: Harness, n: number, opts = {}) {
  const sockets = [];
  for (let i = 0; i < n; i++) {
    const c = harness.client("/", opts);
    await next(c, "connect");
    sockets.push(c);
  }
  return sockets;
}

describe("socket.io-adapter's Adapter hosted on Parley", () => {
  it("is hosted (the socket.io adapter is reachable) and delivers broadcasts", async () => {
    h = await startServer({ adapter: Adapter });
    const host = h.io.of("/").adapter;
    expect(host).toBeInstanceOf(SocketIoAdapterHost);
    expect((host as SocketIoAdapterHost).socketIoAdapter).toBeInstanceOf(Adapter);
    const [a, b] = await clients(h, 2);
    if (a === undefined || b === undefined) throw new Error("no clients");
    const got = [next(a, "m"), next(b, "m")];
    h.io.except("nobody").emit("m", 1, Buffer.from([7]));
    const [fromA, fromB] = await Promise.all(got);
    expect(fromA?.[0]).toBe(1);
    expect([...new Uint8Array(fromB?.[1] as ArrayBuffer)]).toEqual([7]);
  });

  it("encodes a broadcast once: every recipient's connection gets the same PreparedMessage", async () => {
    h = await startServer({ adapter: Adapter });
    const all = await clients(h, 3);
    const delivered: PreparedMessage[] = [];
    for (const socket of h.io.of("/").sockets.values()) {
      const deliver = socket._deliver.bind(socket);
      socket._deliver = (message, packet) => {
        delivered.push(message);
        deliver(message, packet);
      };
    }
    const got = all.map((c) => next(c, "m"));
    h.io.emit("m", "once");
    await Promise.all(got);
    expect(delivered).toHaveLength(3);
    expect(new Set(delivered).size).toBe(1);
  });

  it("encodes with the server's parser (the parser option)", async () => {
    h = await startServer({ adapter: Adapter, parser: msgpackParser }, { parser: msgpackParser });
    const [a] = await clients(h, 1);
    if (a === undefined) throw new Error("no client");
    const got = next(a, "m");
    h.io.emit("m", { deep: [1, "x"] });
    expect(await got).toEqual([{ deep: [1, "x"] }]);
  });

  it("room events reach listeners of io.of(nsp).adapter; a listener's throw is reported", async () => {
    h = await startServer({ adapter: Adapter });
    const events: unknown[][] = [];
    const adapter = h.io.of("/").adapter;
    adapter.on("create-room", (room) => events.push(["create", room]));
    adapter.on("join-room", (room, id) => events.push(["join", room, id]));
    adapter.on("leave-room", () => {
      throw new Error("listener failed");
    });
    const reported: string[] = [];
    h.io.on("handler_error", (_err, _socket, event) => reported.push(event));
    const [a] = await clients(h, 1);
    const socket = [...h.io.of("/").sockets.values()][0];
    if (a === undefined || socket === undefined) throw new Error("no socket");
    await socket.join("x");
    expect(events).toContainEqual(["create", "x"]);
    expect(events).toContainEqual(["join", "x", socket.id]);
    await socket.leave("x");
    expect(reported).toEqual(["adapter leave-room"]);
    expect(socket.rooms.has("x")).toBe(false);
  });

  it("broadcasts with acks, fetchSockets, socketsJoin, disconnectSockets (one server)", async () => {
    h = await startServer({ adapter: Adapter });
    const [a, b] = await clients(h, 2);
    if (a === undefined || b === undefined) throw new Error("no clients");
    a.on("ping", (cb: (v: string) => void) => cb("a"));
    b.on("ping", (cb: (v: string) => void) => cb("b"));
    const replies = await h.io.timeout(2000).emitWithAck("ping");
    expect(replies.sort()).toEqual(["a", "b"]);
    await h.io.socketsJoin("j");
    const found = await h.io.in("j").fetchSockets();
    expect(found.map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
    // Local sockets are the live ones.
    expect(found[0]).toBe(h.io.of("/").sockets.get(found[0]?.id as string));
    const gone = next(a, "disconnect");
    h.io.in(a.id as string).disconnectSockets();
    expect((await gone)[0]).toBe("io server disconnect");
    await until(() => h?.io.of("/").sockets.size === 1, "one socket left");
  });

  it("an adapter on a socket.io-adapter older than 2.5 throws at setup, naming the alternative", () => {
    // The shape of socket.io-adapter 1.x: an encoder and a broadcast, none of 2.5's methods.
    class OldAdapter extends EventEmitter {
      encoder: unknown;
      constructor(nsp: { server: { encoder?: unknown } }) {
        super();
        this.encoder = nsp.server.encoder;
      }
      broadcast(): void {}
      addAll(): void {}
      del(): void {}
      delAll(): void {}
    }
    const adapter = OldAdapter as unknown as NonNullable<ServerOptions["adapter"]>;
    expect(() => new Server({ adapter })).toThrow(
      /older than 2\.5 \(it lacks broadcastWithAck.*@parley\/redis-adapter/,
    );
  });
});
