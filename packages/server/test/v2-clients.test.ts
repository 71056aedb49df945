// socket.io-client 2.x (Socket.IO protocol v4 over Engine.IO v3) against a Parley server with
// `allowEIO3`: the semantics of socket.io's own v2-compatibility tests, then every feature an
// app of that era uses, over each transport path, and mixed with v4 clients.

import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES } from "./helpers.js";
import { ioV2, type SocketClientV2, type SocketClientV2Options } from "./support/legacy-clients.js";

let h: Harness | undefined;
const v2Clients: SocketClientV2[] = [];

afterEach(async () => {
  for (const c of v2Clients.splice(0)) c.close();
  await h?.close();
  h = undefined;
});

function v2(harness: Harness, nsp = "/", opts: SocketClientV2Options = {}): SocketClientV2 {
  const socket = ioV2(`${harness.url}${nsp}`, {
    forceNew: true,
    reconnection: false,
    ...opts,
  });
  v2Clients.push(socket);
  return socket;
}

/** Polls until `predicate` holds (a safety net, not a time bound). */
async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}

describe("v2 compatibility (socket.io's own cases)", () => {
  it("connects when allowEIO3 is true; the socket id is the client's", async () => {
    h = await startServer({ allowEIO3: true });
    const connection = next<[Socket]>(h.io, "connection");
    const client = v2(h);
    const [[socket]] = await Promise.all([connection, next(client, "connect")]);
    expect(socket.id).toBe(client.id);
    expect(socket.conn.protocol).toBe(3);
    expect(socket.id).toBe(socket.conn.id);
  });

  it("connects to a namespace with a query: the query is handshake.auth", async () => {
    h = await startServer({ allowEIO3: true });
    const connection = next<[Socket]>(h.io.of("/the-namespace"), "connection");
    const client = v2(h, "/the-namespace", { query: { test: "123" } });
    const [[socket]] = await Promise.all([connection, next(client, "connect")]);
    expect(socket.handshake.auth).toEqual({ test: "123" });
    expect(socket.nsp.name).toBe("/the-namespace");
    expect(socket.id).toBe(client.id);
    expect(socket.id).toBe(`/the-namespace#${socket.conn.id}`);
  });

  it("does not connect when allowEIO3 is false (default)", async () => {
    h = await startServer();
    const client = v2(h);
    const connected: unknown[] = [];
    client.on("connect", () => connected.push(true));
    await next(client, "connect_error");
    expect(connected).toHaveLength(0);
    expect(h.io.engine.clientsCount).toBe(0);
  });
});

describe.each(TRANSPORT_MODES)("socket.io-client 2.x over $mode", ({ client: mode }) => {
  const transports = [...mode.transports];

  async function connected(nsp = "/", opts: SocketClientV2Options = {}) {
    if (h === undefined) throw new Error("no server");
    const connection = next<[Socket]>(h.io.of(nsp), "connection");
    const client = v2(h, nsp, { transports, ...opts });
    // Both ends: the client switches when it sends its upgrade packet, the server on receipt.
    const upgrading = transports.length === 2;
    const clientUpgrade = upgrading ? next(client.io.engine, "upgrade") : undefined;
    const serverUpgrade = upgrading
      ? connection.then(([s]) =>
          s.conn.transport.name === "websocket" ? undefined : next(s.conn, "upgrade"),
        )
      : undefined;
    const [[socket]] = await Promise.all([connection, next(client, "connect")]);
    await Promise.all([clientUpgrade, serverUpgrade]);
    return { socket, client };
  }

  it("emits both ways with acks both ways", async () => {
    h = await startServer({ allowEIO3: true });
    const { socket, client } = await connected();
    socket.on("add", (a: number, b: number, cb: (sum: number) => void) => cb(a + b));
    const sum = await new Promise((resolve) => client.emit("add", 2, 3, resolve));
    expect(sum).toBe(5);
    client.on("question", (q: string, cb: (answer: string) => void) => cb(`${q}!`));
    expect(await socket.timeout(5000).emitWithAck("question", "why")).toBe("why!");
    const welcome = next<[string, { n: number }]>(client, "welcome");
    socket.emit("welcome", "hi", { n: 1 });
    expect(await welcome).toEqual(["hi", { n: 1 }]);
  });

  it("carries binary both ways, in events and in acks", async () => {
    h = await startServer({ allowEIO3: true });
    const { socket, client } = await connected();
    socket.on("upload", (name: string, data: Buffer, cb: (reply: unknown) => void) => {
      cb({ name, size: data.length, echo: data, nested: [Buffer.from([7])] });
    });
    const reply = await new Promise<{
      name: string;
      size: number;
      echo: ArrayBuffer;
      nested: ArrayBuffer[];
    }>((resolve) => client.emit("upload", "f", Buffer.from([1, 2, 3]), resolve));
    expect(reply.name).toBe("f");
    expect(reply.size).toBe(3);
    expect(Buffer.from(reply.echo as ArrayBuffer)).toEqual(Buffer.from([1, 2, 3]));
    expect(Buffer.from(reply.nested[0] as ArrayBuffer)).toEqual(Buffer.from([7]));
    const got = next<[string, ArrayBuffer]>(client, "file");
    socket.emit("file", "g", Buffer.from([9, 8]));
    const [name, bytes] = await got;
    expect(name).toBe("g");
    expect(Buffer.from(bytes)).toEqual(Buffer.from([9, 8]));
  });

  it("joins several namespaces on one connection", async () => {
    h = await startServer({ allowEIO3: true });
    const main = await connected("/");
    const connection = next<[Socket]>(h.io.of("/admin"), "connection");
    const adminClient = main.client.io.socket("/admin", { query: "role=admin" });
    const [[admin]] = await Promise.all([connection, next(adminClient, "connect")]);
    expect(admin.conn).toBe(main.socket.conn);
    expect(admin.handshake.auth).toEqual({ role: "admin" });
    const ping = next<[string]>(adminClient, "ping-admin");
    admin.emit("ping-admin", "a");
    expect(await ping).toEqual(["a"]);
  });

  // socket.io-client 2.x reports a refused CONNECT as the socket's `error` event (its
  // `connect_error` is for transport failures): the payload is err.data, else err.message.
  it("a middleware refusal on the main namespace reaches the client as its error", async () => {
    h = await startServer({ allowEIO3: true });
    h.io.use((_socket, nextFn) => nextFn(new Error("Not authorized")));
    const client = v2(h, "/", { transports });
    const [error] = await next<[unknown]>(client, "error");
    expect(error).toBe("Not authorized");
    expect(client.connected).toBe(false);
  });

  it("a middleware refusal on a namespace sends err.data", async () => {
    h = await startServer({ allowEIO3: true });
    h.io
      .of("/admin")
      .use((_socket, nextFn) =>
        nextFn(Object.assign(new Error("ignored"), { data: { reason: "banned" } })),
      );
    const client = v2(h, "/admin", { transports });
    const [error] = await next<[unknown]>(client, "error");
    expect(error).toEqual({ reason: "banned" });
    expect(client.connected).toBe(false);
  });

  it("an unknown namespace is refused with Invalid namespace", async () => {
    h = await startServer({ allowEIO3: true });
    const client = v2(h, "/nowhere", { transports });
    const [error] = await next<[unknown]>(client, "error");
    expect(error).toEqual({ message: "Invalid namespace" });
  });

  it("a server-side disconnect reaches the client", async () => {
    h = await startServer({ allowEIO3: true });
    const { socket, client } = await connected();
    const gone = next<[string]>(client, "disconnect");
    socket.disconnect();
    expect(await gone).toEqual(["io server disconnect"]);
  });

  it("a client that leaves is seen as a disconnect", async () => {
    h = await startServer({ allowEIO3: true });
    const { socket, client } = await connected();
    const gone = next<[string]>(socket, "disconnect");
    client.close();
    const [reason] = await gone;
    expect(["client namespace disconnect", "transport close"]).toContain(reason);
  });

  it("a broadcast reaches v2 and v4 clients at once, binary included", async () => {
    h = await startServer({ allowEIO3: true });
    const old = await connected();
    old.socket.join("room");
    const v4 = h.client("/", { transports });
    const [[v4socket]] = await Promise.all([
      next<[Socket]>(h.io, "connection"),
      next(v4, "connect"),
    ]);
    v4socket.join("room");
    const oldGot = next<[string, ArrayBuffer]>(old.client, "news");
    const newGot = next<[string, Buffer]>(v4, "news");
    h.io.to("room").emit("news", "hello", Buffer.from([1, 2, 3]));
    const [[a, aBytes], [b, bBytes]] = await Promise.all([oldGot, newGot]);
    expect([a, b]).toEqual(["hello", "hello"]);
    expect(Buffer.from(aBytes)).toEqual(Buffer.from([1, 2, 3]));
    expect(Buffer.from(bBytes)).toEqual(Buffer.from([1, 2, 3]));
  });

  it("broadcast acks are collected from v2 clients", async () => {
    h = await startServer({ allowEIO3: true });
    const old = await connected();
    old.client.on("ask", (cb: (n: number) => void) => cb(2));
    const replies = await h.io.timeout(5000).emitWithAck("ask");
    expect(replies).toEqual([2]);
    expect(old.socket.connected).toBe(true);
  });

  it("stays connected across heartbeats (the client pings)", async () => {
    h = await startServer({ allowEIO3: true, pingInterval: 40, pingTimeout: 500 });
    const { socket, client } = await connected();
    const pongs: unknown[] = [];
    client.on("pong", () => pongs.push(true));
    await until(() => pongs.length >= 3);
    expect(socket.connected).toBe(true);
  });

  it("a malformed Socket.IO packet ends only that connection", async () => {
    h = await startServer({ allowEIO3: true });
    const bad = await connected();
    const good = await connected();
    const gone = next<[string]>(bad.socket, "disconnect");
    bad.client.io.engine.send('2["x"'); // not JSON: the Socket.IO decoder refuses it
    // As socket.io: an undecodable Socket.IO packet is the socket's `error`, then a forced close.
    expect((await gone)[0]).toBe("forced close");
    const echo = next<[string]>(good.client, "still");
    good.socket.emit("still", "here");
    expect(await echo).toEqual(["here"]);
  });
});
