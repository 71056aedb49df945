import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@parley/server";
import { Cluster as IoCluster, Redis as IoRedis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAdapter, Emitter, type PubSubMode, type RedisAdapter } from "../src/index.js";
import {
  CLUSTER_HOOK_MS,
  describeRedisCluster,
  type RedisCluster,
  startRedisCluster,
} from "./fixtures/redis-cluster.js";
import {
  closeClients,
  collect,
  connect,
  describeRedis,
  FAST,
  next,
  REDIS_URL,
  uniqueKey,
  waitFor,
  within,
} from "./helpers.js";

interface IoNode {
  io: Server;
  url: string;
  adapter(): RedisAdapter;
  close(): Promise<void>;
}

/** A Parley server whose adapter runs on an ioredis pair (`pub` and `pub.duplicate()`). */
async function startIoNode(
  pub: IoRedis | IoCluster,
  key: string,
  pubsub: PubSubMode = "auto",
): Promise<IoNode> {
  pub.on("error", () => {});
  const sub = pub.duplicate();
  sub.on("error", () => {});
  const http: HttpServer = createServer();
  const io = new Server(http, {
    serveClient: false,
    adapter: createAdapter(pub, sub, { ...FAST, key, pubsub }),
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return {
    io,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    adapter: () => io.of("/").adapter as RedisAdapter,
    async close() {
      http.closeAllConnections();
      await io.close();
      pub.disconnect();
      sub.disconnect();
    },
  };
}

async function pair(make: () => IoRedis | IoCluster, key: string, pubsub: PubSubMode) {
  const a = await startIoNode(make(), key, pubsub);
  const b = await startIoNode(make(), key, pubsub);
  await waitFor(
    async () => (await a.adapter().serverCount()) === 2 && (await b.adapter().serverCount()) === 2,
    "two servers to see each other",
  );
  return [a, b] as const;
}

/** The operations the node-redis path is tested with, on two servers of one cluster. */
function crossServerSuite(ctx: {
  nodes(): readonly [IoNode, IoNode];
  /** A new publishing client for an Emitter, and the options matching the servers'. */
  emitter(): Emitter;
}): void {
  it("broadcasts reach both servers: all, to a room, except a room, binary intact", async () => {
    const [a, b] = ctx.nodes();
    a.io.on("connection", (s) => void s.join("red"));
    b.io.on("connection", (s) => void s.join("blue"));
    const ca = await connect(a.url);
    const cb = await connect(b.url);
    await waitFor(async () => (await a.io.fetchSockets()).length === 2, "both sockets");
    const onA = collect(ca, "m");
    const onB = collect(cb, "m");
    a.io.emit("m", "all");
    a.io.to("blue").emit("m", "blue");
    b.io.except("blue").emit("m", "not-blue");
    b.io.to("red").emit("m", Buffer.from([1, 2, 3]));
    // Sharded Pub/Sub on a cluster: room and namespace channels may sit on different shards,
    // which keep no order between them, so wait for the count and compare as sets.
    await waitFor(() => onA.length === 3 && onB.length === 2, "every broadcast");
    const done = Promise.all([next(ca, "end"), next(cb, "end")]);
    a.io.emit("end");
    await within(done, "end on both");
    const bytes = (v: unknown) => (v instanceof Uint8Array ? [...v] : v);
    expect(onA.map(([v]) => bytes(v))).toEqual(
      expect.arrayContaining(["all", "not-blue", [1, 2, 3]]),
    );
    expect(onA).toHaveLength(3);
    expect(onB).toEqual(expect.arrayContaining([["all"], ["blue"]]));
    expect(onB).toHaveLength(2);
  });

  it("fetchSockets, socketsJoin and disconnectSockets see the other server's sockets", async () => {
    const [a, b] = ctx.nodes();
    const ca = await connect(a.url);
    const cb = await connect(b.url);
    await waitFor(async () => (await b.io.fetchSockets()).length === 2, "two sockets");
    expect((await a.io.fetchSockets()).map((s) => s.id).sort()).toEqual([ca.id, cb.id].sort());
    await a.io.socketsJoin("joined");
    expect((await b.io.in("joined").fetchSockets()).length).toBe(2);
    const gone = next(cb, "disconnect");
    a.io.in(cb.id as string).disconnectSockets();
    expect((await within(gone, "disconnect"))[0]).toBe("io server disconnect");
  });

  it("serverSideEmit with acks, and broadcast acks, across servers", async () => {
    const [a, b] = ctx.nodes();
    b.io.on("hello", (n: number, cb: (v: number) => void) => cb(n + 1));
    expect(await a.io.serverSideEmitWithAck("hello", 41)).toEqual([42]);
    const cb = await connect(b.url);
    cb.on("ask", (reply: (v: string) => void) => reply("from b"));
    await waitFor(async () => (await a.io.fetchSockets()).length === 1, "the socket");
    expect(await a.io.timeout(3000).emitWithAck("ask")).toEqual(["from b"]);
  });

  it("an Emitter on an ioredis client reaches both servers", async () => {
    const [a, b] = ctx.nodes();
    const ca = await connect(a.url);
    const cb = await connect(b.url);
    await waitFor(async () => (await a.io.fetchSockets()).length === 2, "both sockets");
    const got = Promise.all([next(ca, "news"), next(cb, "news")]);
    ctx.emitter().to([]).emit("news", 1);
    expect(await within(got, "news")).toEqual([[1], [1]]);
  });
}

for (const pubsub of ["auto", "classic"] as const) {
  describeRedis(`ioredis Redis clients (pubsub: ${pubsub})`, () => {
    let nodes: readonly [IoNode, IoNode] | undefined;
    let key: string;
    const extra: IoRedis[] = [];

    beforeEach(async () => {
      key = uniqueKey(`ioredis-${pubsub}`);
      nodes = await pair(() => new IoRedis(REDIS_URL), key, pubsub);
    });

    afterEach(async () => {
      closeClients();
      await Promise.all((nodes ?? []).map((n) => n.close()));
      nodes = undefined;
      for (const c of extra.splice(0)) c.disconnect();
    });

    crossServerSuite({
      nodes: () => nodes as readonly [IoNode, IoNode],
      emitter: () => {
        const client = new IoRedis(REDIS_URL);
        extra.push(client);
        return new Emitter(client, { key, pubsub });
      },
    });
  });
}

for (const pubsub of ["sharded", "classic"] as const) {
  describeRedisCluster(`ioredis Cluster on a private Redis Cluster (${pubsub} Pub/Sub)`, () => {
    let rc: RedisCluster;
    let nodes: readonly [IoNode, IoNode] | undefined;
    let key: string;
    const extra: IoCluster[] = [];
    const cluster = () =>
      new IoCluster(
        rc.ports.map((port) => ({ host: "127.0.0.1", port })),
        { shardedSubscribers: pubsub === "sharded" },
      );

    beforeAll(async () => {
      rc = await startRedisCluster();
    }, CLUSTER_HOOK_MS);
    afterAll(async () => {
      await rc?.stop();
    });
    beforeEach(async () => {
      key = uniqueKey(`iocluster-${pubsub}`);
      nodes = await pair(cluster, key, pubsub);
    });
    afterEach(async () => {
      closeClients();
      await Promise.all((nodes ?? []).map((n) => n.close()));
      nodes = undefined;
      for (const c of extra.splice(0)) c.disconnect();
    });

    crossServerSuite({
      nodes: () => nodes as readonly [IoNode, IoNode],
      emitter: () => {
        const client = cluster();
        extra.push(client);
        return new Emitter(client, { key, pubsub });
      },
    });
  });
}

describe("clients the adapter cannot use throw at setup", () => {
  it("an object that is no Redis client of a known kind", () => {
    const fake = { publish: async () => 0, on: () => {} };
    expect(() => createAdapter(fake as never, fake as never)).toThrow(
      /unsupported Redis client.*node-redis.*ioredis/,
    );
    expect(() => new Emitter(fake as never)).toThrow(/unsupported Redis client/);
  });

  it("an ioredis Cluster subscriber without shardedSubscribers, unless Pub/Sub is classic", () => {
    const make = () => new IoCluster([{ host: "127.0.0.1", port: 1 }], { lazyConnect: true });
    const pub = make();
    const sub = make();
    expect(() => createAdapter(pub, sub)).toThrow(/shardedSubscribers: true.*pubsub: "classic"/);
    expect(() => createAdapter(pub, sub, { pubsub: "sharded" })).toThrow(/shardedSubscribers/);
    expect(() => createAdapter(pub, sub, { pubsub: "classic" })).not.toThrow();
  });
});
