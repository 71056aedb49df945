import { Emitter as SocketIoEmitter } from "@socket.io/redis-emitter";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAdapter } from "../src/index.js";
import {
  closeClients,
  collect,
  connect,
  describeRedis,
  type Node,
  next,
  type Redis,
  redisClient,
  startCluster,
  startNode,
  uniqueKey,
  waitFor,
  within,
} from "./helpers.js";

describeRedis("@socket.io/redis-emitter → Parley servers (socketIoEmitter: true)", () => {
  let nodes: Node[] = [];
  let redis: Redis;
  let key: string;
  let a: Node;
  let b: Node;
  let emitter: SocketIoEmitter;

  beforeEach(async () => {
    key = uniqueKey("sio-emitter");
    nodes = await startCluster(2, { key, adapter: { socketIoEmitter: true } }, ["/", "/admin"]);
    [a, b] = nodes as [Node, Node];
    for (const n of nodes) {
      n.io.on("connection", async (s) => {
        const room = s.handshake.auth.room;
        if (typeof room === "string") await s.join(room);
        s.emit("ready");
      });
    }
    redis = await redisClient();
    // socket.io's emitter, with the servers' key (its default is "socket.io").
    emitter = new SocketIoEmitter(redis, { key });
  });

  afterEach(async () => {
    closeClients();
    await Promise.all(nodes.map((n) => n.close()));
    redis.destroy();
  });

  async function clients() {
    const ca = await connect(a.url, "/", { auth: { room: "r" } });
    const cb = await connect(b.url, "/", { auth: { room: "s" } });
    await waitFor(async () => (await a.io.fetchSockets()).length === 2, "2 sockets");
    return { ca, cb };
  }

  it("broadcasts: all, a room, a socket, except, several rooms, volatile, a namespace, binary", async () => {
    const { ca, cb } = await clients();
    const onA = collect(ca, "m");
    const onB = collect(cb, "m");
    emitter.emit("m", "all");
    emitter.to("r").emit("m", "r");
    emitter.to(cb.id as string).emit("m", "to-b");
    emitter.except("r").emit("m", "not-r");
    emitter.to(["r", "s"]).emit("m", "both");
    emitter.to("s").emit("m", Buffer.from([1, 2, 3]));
    const admin = await connect(b.url, "/admin");
    const onAdmin = next(admin, "m");
    emitter.of("/admin").emit("m", "admin");
    expect(await within(onAdmin, "admin")).toEqual(["admin"]);
    await waitFor(() => onA.length === 3 && onB.length === 5, "every broadcast");
    // As in socket.io, a volatile packet goes only onto an idle transport: sent once the
    // clients have everything before it, it reaches both.
    emitter.volatile.emit("m", "volatile");
    await waitFor(() => onA.length === 4 && onB.length === 6, "the volatile broadcast");
    expect(onA).toEqual([["all"], ["r"], ["both"], ["volatile"]]);
    const bytes = (v: unknown) => (v instanceof Uint8Array ? [...v] : v);
    // One server's channels are one Redis connection: in publishing order.
    expect(onB.map(([v]) => bytes(v))).toEqual([
      "all",
      "to-b",
      "not-r",
      "both",
      [1, 2, 3],
      "volatile",
    ]);
  });

  it("socketsJoin, socketsLeave and disconnectSockets reach every server", async () => {
    const { ca, cb } = await clients();
    emitter.socketsJoin("everyone");
    await waitFor(async () => (await a.io.in("everyone").fetchSockets()).length === 2, "join");
    emitter.in("r").socketsLeave("everyone");
    await waitFor(async () => (await b.io.in("everyone").fetchSockets()).length === 1, "leave");
    const gone = next(cb, "disconnect");
    const onA = collect(ca, "disconnect");
    emitter.in("everyone").disconnectSockets();
    expect((await within(gone, "disconnect"))[0]).toBe("io server disconnect");
    expect(onA).toEqual([]);
  });

  it("serverSideEmit reaches every server; the emitter never counts as one", async () => {
    const seen: string[] = [];
    a.io.on("job", (n: number) => seen.push(`a${n}`));
    b.io.on("job", (n: number) => seen.push(`b${n}`));
    emitter.serverSideEmit("job", 1);
    await waitFor(() => seen.length === 2, "both servers");
    expect(seen.sort()).toEqual(["a1", "b1"]);
    expect(await a.adapter().serverCount()).toBe(2);
  });

  it("the servers still talk to each other (Parley's own messages, classic Pub/Sub)", async () => {
    const { ca, cb } = await clients();
    expect(a.adapter().pubsub).toBe("classic");
    const got = [next(ca, "p"), next(cb, "p")];
    a.io.to(["r", "s"]).emit("p", 1);
    const direct = next(cb, "direct");
    a.io.to(cb.id as string).emit("direct", 2);
    expect(await within(Promise.all(got), "cross-server broadcast")).toEqual([[1], [1]]);
    expect(await within(direct, "to a socket on the other server")).toEqual([2]);
  });
});

describeRedis("@socket.io/redis-emitter without socketIoEmitter", () => {
  it("drops its messages with a warning that names the option, never silently", async () => {
    const key = uniqueKey("sio-emitter-off");
    const lines: string[] = [];
    const node = await startNode({ key, adapter: { debug: (l) => lines.push(l) } });
    const redis = await redisClient();
    try {
      const client = await connect(node.url);
      const got = collect(client, "m");
      new SocketIoEmitter(redis, { key }).emit("m", 1);
      await waitFor(() => lines.some((l) => l.includes("socketIoEmitter: true")), "the warning");
      expect(got).toEqual([]);
    } finally {
      closeClients();
      await node.close();
      redis.destroy();
    }
  });
});

describe("socketIoEmitter: options that contradict it throw at setup", () => {
  const fakeRedis = {
    publish: async () => 0,
    sPublish: async () => 0,
    sendCommand: async () => "",
    on: () => {},
  };
  it("sharded Pub/Sub or another subscription mode", () => {
    const pub = fakeRedis as never;
    expect(() => createAdapter(pub, pub, { socketIoEmitter: true, pubsub: "sharded" })).toThrow(
      /classic Pub\/Sub/,
    );
    expect(() =>
      createAdapter(pub, pub, { socketIoEmitter: true, subscriptionMode: "dynamic" }),
    ).toThrow(/dynamic-private/);
    expect(() => createAdapter(pub, pub, { socketIoEmitter: true })).not.toThrow();
  });
});
