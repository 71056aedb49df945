import { io as officialClient } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { ServerOptions, Socket } from "../src/index.js";
import {
  busAdapter,
  type Harness,
  next,
  sleep,
  startServer,
  TRANSPORT_MODES,
  until,
} from "./helpers.js";

/** What the tests need from either client. */
interface AnyClient {
  id: string | undefined;
  connected: boolean;
  recovered: boolean;
  io: { engine: { close(): void } | undefined };
  on(event: string, fn: (...args: never[]) => void): unknown;
  once(event: string, fn: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

type MakeClient = (url: string, opts: Record<string, unknown>) => unknown;

// `import { io } from "@parley/client"`, through a specifier tsc does not follow: the client's
// sources need the DOM lib, which this package's typecheck (Node only) does not load.
const PARLEY_CLIENT = "@parley/client";
const { io: parleyClient } = (await import(PARLEY_CLIENT)) as { io: MakeClient };

const CLIENTS: readonly { name: string; make: MakeClient }[] = [
  { name: "socket.io-client", make: officialClient as unknown as MakeClient },
  { name: "@parley/client", make: parleyClient },
];

let h: Harness | undefined;
const clients: AnyClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await h?.close();
  h = undefined;
});

async function setup(opts: ServerOptions = {}): Promise<Harness> {
  h = await startServer({
    pingInterval: 200,
    pingTimeout: 400,
    connectionStateRecovery: { maxDisconnectionDuration: 5000 },
    ...opts,
  });
  return h;
}

function connect(make: MakeClient, url: string, opts: Record<string, unknown> = {}): AnyClient {
  const c = make(url, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    ...opts,
  }) as unknown as AnyClient;
  clients.push(c);
  return c;
}

/** The server side of the next socket to connect. */
function nextServerSocket(harness: Harness): Promise<Socket> {
  return next<[Socket]>(harness.io, "connection").then(([s]) => s);
}

/** A client of `make` connected to `harness`, the first argument of each "news" it got, its server socket. */
async function newsClient(
  harness: Harness,
  make: MakeClient,
): Promise<{ c: AnyClient; got: unknown[]; s1: Socket }> {
  const c = connect(make, harness.url);
  const got: unknown[] = [];
  c.on("news", ((v: unknown) => got.push(v)) as never);
  const first = nextServerSocket(harness);
  await next(c, "connect");
  return { c, got, s1: await first };
}

/** Drops the connection from the server side, as a network failure would; resolves once the client noticed. */
async function dropFromServer(c: AnyClient, s: Socket): Promise<void> {
  const gone = next(c, "disconnect");
  s.conn.close();
  await gone;
}

/** Connects the client again; resolves with its new server socket. */
function reconnect(harness: Harness, c: AnyClient): Promise<Socket> {
  const second = nextServerSocket(harness);
  c.connect();
  return second;
}

describe.each(CLIENTS)("connection state recovery with $name", ({ make }) => {
  it.each(TRANSPORT_MODES.map((m) => ({ ...m, name: m.mode })))(
    "a dropped transport gets its id, rooms, data and missed events back ($mode)",
    async (mode) => {
      const harness = await setup();
      const seen: string[] = [];
      harness.io.on("connection", (socket) => {
        seen.push(`${socket.id}:${socket.recovered}`);
        if (!socket.recovered) {
          socket.join("room1");
          socket.data = { user: "ann" };
        }
      });
      const c = connect(make, harness.url, {
        transports: [...mode.client.transports],
        reconnection: true,
        reconnectionDelay: 20,
        reconnectionDelayMax: 20,
      });
      const got: unknown[] = [];
      c.on("news", ((v: unknown) => got.push(v)) as never);
      const first = nextServerSocket(harness);
      await next(c, "connect");
      const s1 = await first;
      expect(c.recovered).toBe(false);
      const id = c.id;
      expect(id).toBe(s1.id);

      harness.io.to("room1").emit("news", 1);
      await until(() => got.length === 1, "first event");

      const serverGone = next(s1, "disconnect");
      const clientGone = next(c, "disconnect");
      const second = nextServerSocket(harness);
      // Drop the transport from the server side: the client reconnects by itself.
      s1.conn.close();
      const [reason] = await serverGone;
      expect(reason).toBe("forced close");
      await clientGone;
      harness.io.to("room1").emit("news", 2);
      harness.io.emit("news", 3);
      harness.io.to("elsewhere").emit("news", "not for it");
      harness.io.volatile.emit("news", "volatile, not kept");
      harness.io.except("room1").emit("news", "excluded");
      harness.io.to("room1").emit("news", 4);

      const s2 = await second;
      await until(() => c.connected, "reconnection");
      expect(c.recovered).toBe(true);
      expect(c.id).toBe(id);
      expect(s2.id).toBe(id);
      expect(s2.recovered).toBe(true);
      expect(s2.rooms).toEqual(new Set([id, "room1"]));
      expect(s2.data).toEqual({ user: "ann" });
      // The protocol's fields stay out of the app's auth.
      expect(s2.handshake.auth).toEqual({});

      harness.io.to("room1").emit("news", 5);
      await until(() => got.includes(5), "event after recovery");
      await sleep(30);
      expect(got).toEqual([1, 2, 3, 4, 5]);
      expect(seen).toEqual([`${id}:false`, `${id}:true`]);
    },
  );

  it("a client that had received nothing yet (no offset) is recovered, with what its rooms were sent", async () => {
    const harness = await setup();
    harness.io.on("connection", (socket) => {
      if (!socket.recovered) socket.join("room1");
    });
    // Kept for recovery, but sent before this session began: not its to replay.
    harness.io.to("room1").emit("news", "before");
    await sleep(5);
    const { c, got, s1 } = await newsClient(harness, make);
    await dropFromServer(c, s1);
    expect(got).toEqual([]);
    harness.io.to("room1").emit("news", 1);
    harness.io.to("elsewhere").emit("news", "not for it");
    harness.io.emit("news", 2);

    const s2 = await reconnect(harness, c);
    expect(s2.recovered).toBe(true);
    expect(s2.id).toBe(s1.id);
    expect(s2.rooms).toEqual(new Set([s1.id, "room1"]));
    await until(() => c.connected && got.length === 2, "replayed events");
    expect(c.recovered).toBe(true);
    await sleep(30);
    expect(got).toEqual([1, 2]);
  });

  it("a client-side transport drop is recovered too, with socket.emit replayed", async () => {
    const harness = await setup();
    let server: Socket | undefined;
    harness.io.on("connection", (socket) => {
      server = socket;
    });
    const c = connect(make, harness.url, {
      reconnection: true,
      reconnectionDelay: 20,
      reconnectionDelayMax: 20,
    });
    const got: unknown[] = [];
    c.on("direct", ((v: unknown) => got.push(v)) as never);
    await next(c, "connect");
    await until(() => server !== undefined, "server socket");
    const s1 = server as Socket;
    s1.emit("direct", "a");
    await until(() => got.length === 1, "first event");
    const gone = next(s1, "disconnect");
    c.io.engine?.close();
    const [reason] = await gone;
    expect(reason).toBe("transport close");
    // Not connected any more: a socket.emit on the old socket is kept for the recovery.
    s1.emit("direct", "kept");
    harness.io.to(s1.id).emit("direct", "b");
    c.on("connect", () => got.push("connect"));
    await until(() => server !== s1 && c.connected, "reconnection");
    expect(c.recovered).toBe(true);
    (server as Socket).emit("direct", "c");
    await until(() => got.includes("c"), "event after recovery");
    // What it missed comes before `connect`, as with socket.io (it writes them before the
    // CONNECT packet, and the client emits events buffered before it just ahead of `connect`).
    expect(got).toEqual(["a", "kept", "b", "connect", "c"]);
  });

  it("an emit from the old socket's disconnect handler is replayed on recovery", async () => {
    const harness = await setup();
    harness.io.on("connection", (socket) => {
      if (socket.recovered) return;
      // The client needs one offset to come back with.
      socket.emit("direct", "first");
      socket.on("disconnect", () => socket.emit("direct", "sent while away"));
    });
    const c = connect(make, harness.url, {
      reconnection: true,
      reconnectionDelay: 20,
      reconnectionDelayMax: 20,
    });
    const got: unknown[] = [];
    c.on("direct", ((v: unknown) => got.push(v)) as never);
    await until(() => got.length === 1, "the first event");
    c.io.engine?.close();
    await until(() => got.length === 2, "the replayed event");
    expect(c.recovered).toBe(true);
    expect(got).toEqual(["first", "sent while away"]);
  });

  it("is not recovered after maxDisconnectionDuration", async () => {
    const harness = await setup({ connectionStateRecovery: { maxDisconnectionDuration: 100 } });
    const { c, got, s1 } = await newsClient(harness, make);
    harness.io.emit("news", 1);
    await until(() => got.length === 1, "first event");
    await dropFromServer(c, s1);
    harness.io.emit("news", 2);
    await sleep(250);
    const s2 = await reconnect(harness, c);
    await until(() => c.connected, "new connection");
    expect(c.recovered).toBe(false);
    expect(s2.recovered).toBe(false);
    expect(s2.id).not.toBe(s1.id);
    expect(c.id).toBe(s2.id);
    await sleep(30);
    expect(got).toEqual([1]);
  });

  it("is not recovered after the client disconnects itself", async () => {
    const harness = await setup();
    const c = connect(make, harness.url);
    const first = nextServerSocket(harness);
    c.on("news", (() => {}) as never);
    await next(c, "connect");
    const s1 = await first;
    harness.io.emit("news", 1);
    await sleep(30);
    const gone = next(s1, "disconnect");
    c.disconnect();
    expect((await gone)[0]).toBe("client namespace disconnect");
    const second = nextServerSocket(harness);
    c.connect();
    const s2 = await second;
    expect(s2.recovered).toBe(false);
    expect(s2.id).not.toBe(s1.id);
  });
});

describe("connection state recovery (server rules)", () => {
  it("is not recovered when packets after the client's offset were dropped (maxPackets)", async () => {
    const harness = await setup({ connectionStateRecovery: { maxPackets: 2 } });
    const { c, got, s1 } = await newsClient(harness, officialClient as unknown as MakeClient);
    harness.io.emit("news", 1);
    await until(() => got.length === 1, "first event");
    await dropFromServer(c, s1);
    // Three packets while away, two kept: the one right after the client's offset is lost.
    for (const n of [2, 3, 4]) harness.io.emit("news", n);
    const s2 = await reconnect(harness, c);
    expect(s2.recovered).toBe(false);
    await sleep(30);
    expect(got).toEqual([1]);
  });

  it("recovers when every packet after the offset is still kept (maxPackets)", async () => {
    const harness = await setup({ connectionStateRecovery: { maxPackets: 2 } });
    const { c, got, s1 } = await newsClient(harness, officialClient as unknown as MakeClient);
    harness.io.emit("news", 1);
    await until(() => got.length === 1, "first event");
    await dropFromServer(c, s1);
    for (const n of [2, 3]) harness.io.emit("news", n);
    const s2 = await reconnect(harness, c);
    expect(s2.recovered).toBe(true);
    await until(() => got.length === 3, "replayed events");
    expect(got).toEqual([1, 2, 3]);
  });

  it("replays binary events and recovers again after a second drop", async () => {
    const harness = await setup();
    const c = connect(officialClient, harness.url);
    const got: unknown[] = [];
    c.on("bin", ((v: Buffer) => got.push([...v])) as never);
    const first = nextServerSocket(harness);
    await next(c, "connect");
    const s1 = await first;
    const id = s1.id;
    harness.io.emit("bin", Buffer.from([1]));
    await until(() => got.length === 1, "first event");
    let previous = s1;
    for (const n of [2, 3]) {
      const gone = next(c, "disconnect");
      previous.conn.close();
      await gone;
      harness.io.emit("bin", Buffer.from([n, n]));
      const again = nextServerSocket(harness);
      c.connect();
      previous = await again;
      expect(previous.recovered).toBe(true);
      expect(previous.id).toBe(id);
      await until(() => got.length === n, `replay ${n}`);
    }
    expect(got).toEqual([[1], [2, 2], [3, 3]]);
  });

  it("with a cluster adapter: events from another server are kept and replayed, one offset each", async () => {
    const adapter = busAdapter();
    const harness = await setup({ adapter });
    const other = await startServer({ adapter });
    try {
      for (const server of [harness, other]) {
        const bus = server.io.of("/").adapter as InstanceType<typeof adapter>;
        await until(() => bus.peers === 1, "cluster formed");
      }
      const c = connect(officialClient, harness.url);
      const got: unknown[][] = [];
      c.on("news", ((...args: unknown[]) => got.push(args)) as never);
      const first = nextServerSocket(harness);
      await next(c, "connect");
      const s1 = await first;
      s1.join("room1");
      other.io.to("room1").emit("news", 1);
      await until(() => got.length === 1, "first event");
      const gone = next(c, "disconnect");
      s1.conn.close();
      await gone;
      other.io.to("room1").emit("news", 2);
      other.io.emit("news", 3);
      // Broadcasts from the other server reach this one asynchronously.
      const bus = harness.io.of("/").adapter as InstanceType<typeof adapter>;
      await until(() => bus.keptPackets === 3, "packets kept");
      const second = nextServerSocket(harness);
      c.connect();
      expect((await second).recovered).toBe(true);
      await until(() => got.length === 3, "replayed events");
      expect(got.map((args) => args[0])).toEqual([1, 2, 3]);
      // Each event carries exactly one offset: its value, then the offset.
      for (const args of got) expect(args.length).toBe(2);
    } finally {
      await other.close();
    }
  });

  it("skips the middleware on recovery unless skipMiddlewares is false", async () => {
    for (const skipMiddlewares of [true, false]) {
      const harness = await setup({ connectionStateRecovery: { skipMiddlewares } });
      const calls: boolean[] = [];
      harness.io.use((socket, next) => {
        calls.push(socket.recovered);
        next();
      });
      const c = connect(officialClient, harness.url);
      c.on("news", (() => {}) as never);
      const first = nextServerSocket(harness);
      await next(c, "connect");
      const s1 = await first;
      harness.io.emit("news", 1);
      await sleep(30);
      const gone = next(c, "disconnect");
      s1.conn.close();
      await gone;
      const second = nextServerSocket(harness);
      c.connect();
      expect((await second).recovered).toBe(true);
      expect(calls).toEqual(skipMiddlewares ? [false] : [false, true]);
      c.disconnect();
      await harness.close();
      h = undefined;
    }
  });

  it("appends an offset to events without ack and not volatile, and sends pid on CONNECT", async () => {
    const harness = await setup();
    const c = connect(officialClient, harness.url);
    const raw: unknown[][] = [];
    c.on("e", ((...args: unknown[]) => raw.push(args)) as never);
    c.on("ask", ((v: unknown, cb: (r: unknown) => void) => cb(v)) as never);
    const first = nextServerSocket(harness);
    await next(c, "connect");
    const s1 = await first;
    // A volatile packet goes out only onto an idle transport: send it first.
    await until(() => s1.conn.writable, "an idle transport");
    s1.volatile.emit("e", "volatile");
    s1.emit("e", "direct");
    harness.io.emit("e", "broadcast");
    expect(await s1.emitWithAck("ask", 7)).toBe(7);
    await until(() => raw.length === 3, "three events");
    expect(typeof (c as unknown as { _pid?: unknown })._pid).toBe("string");
    const [volatile, direct, broadcast] = raw;
    expect(direct?.[0]).toBe("direct");
    expect(typeof direct?.[1]).toBe("string");
    expect(broadcast?.[0]).toBe("broadcast");
    expect(typeof broadcast?.[1]).toBe("string");
    expect(broadcast?.[1]).not.toBe(direct?.[1]);
    expect(volatile).toEqual(["volatile"]);
  });

  it("without the option: no pid, no offsets, recovered stays false", async () => {
    h = await startServer({});
    const c = connect(officialClient, h.url, { reconnection: true, reconnectionDelay: 20 });
    const raw: unknown[][] = [];
    c.on("e", ((...args: unknown[]) => raw.push(args)) as never);
    const first = nextServerSocket(h);
    await next(c, "connect");
    const s1 = await first;
    h.io.emit("e", 1);
    await until(() => raw.length === 1, "event");
    expect(raw).toEqual([[1]]);
    expect((c as unknown as { _pid?: unknown })._pid).toBeUndefined();
    const second = nextServerSocket(h);
    s1.conn.close();
    const s2 = await second;
    expect(s2.recovered).toBe(false);
    expect(s2.id).not.toBe(s1.id);
  });
});
