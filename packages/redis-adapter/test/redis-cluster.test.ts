import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@parley/server";
import { createCluster } from "redis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Emitter } from "../src/emitter.js";
import { createAdapter, type PubSubMode, type RedisAdapter } from "../src/index.js";
import {
  describeRedisCluster,
  type RedisCluster,
  startRedisCluster,
} from "./fixtures/redis-cluster.js";
import { closeClients, collect, connect, FAST, next, uniqueKey, waitFor } from "./helpers.js";

type Cluster = ReturnType<typeof createCluster>;

async function clusterClient(rc: RedisCluster): Promise<Cluster> {
  const client = createCluster({ rootNodes: rc.rootNodes });
  client.on("error", () => {});
  await client.connect();
  return client;
}

interface ClusterNode {
  io: Server;
  url: string;
  adapter(): RedisAdapter;
  close(): Promise<void>;
}

/** A Parley server on port 0 whose adapter talks to the cluster through its own clients. */
async function startNode(rc: RedisCluster, key: string, pubsub: PubSubMode): Promise<ClusterNode> {
  const pub = await clusterClient(rc);
  // A duplicate shares the root nodes and options: the pattern the README shows.
  const sub = pub.duplicate();
  sub.on("error", () => {});
  await sub.connect();
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
      await Promise.all([pub.close(), sub.close()].map((p) => p.catch(() => {})));
    },
  };
}

for (const pubsub of ["classic", "sharded"] as const) {
  describeRedisCluster(`Redis Cluster (${pubsub} Pub/Sub)`, () => {
    let rc: RedisCluster;
    let nodes: ClusterNode[] = [];
    let key: string;

    beforeAll(async () => {
      rc = await startRedisCluster();
    });
    afterAll(async () => {
      await rc?.stop();
    });

    async function two(): Promise<[ClusterNode, ClusterNode]> {
      key = uniqueKey(`cluster-${pubsub}`);
      const a = await startNode(rc, key, pubsub);
      const b = await startNode(rc, key, pubsub);
      nodes = [a, b];
      await waitFor(
        async () =>
          (await a.adapter().serverCount()) === 2 && (await b.adapter().serverCount()) === 2,
        "two servers to see each other",
      );
      return [a, b];
    }

    afterEach(async () => {
      closeClients();
      await Promise.all(nodes.map((n) => n.close()));
      nodes = [];
    });

    it("a broadcast reaches clients on both servers; to/except rooms; binary intact", async () => {
      const [a, b] = await two();
      a.io.on("connection", (s) => void s.join("red"));
      b.io.on("connection", (s) => void s.join("blue"));
      const ca = await connect(a.url);
      const cb = await connect(b.url);
      await waitFor(async () => (await a.io.fetchSockets()).length === 2, "both sockets");

      const both = Promise.all([next(ca, "hello"), next(cb, "hello")]);
      b.io.emit("hello", 1);
      expect(await both).toEqual([[1], [1]]);

      const gotA = collect(ca, "room");
      const toBlue = next(cb, "room");
      a.io.to("blue").emit("room", "blue");
      expect(await toBlue).toEqual(["blue"]);
      const notRed = next(cb, "except");
      a.io.except("red").emit("except", "x");
      expect(await notRed).toEqual(["x"]);

      const bytes = Buffer.from([0, 1, 2, 250, 255]);
      const bin = next<[Buffer]>(cb, "bin");
      a.io.to("blue").emit("bin", bytes);
      expect(Buffer.from((await bin)[0])).toEqual(bytes);
      expect(gotA).toEqual([]);
    });

    // KNOWN GAP (docs/ROADMAP.md): in sharded mode on a real cluster, fetchSockets() never
    // completes in some runs (the answer on the requester's response channel
    // is lost; it seems to depend on which master that channel's slot lands on, and
    // subscribing one channel at a time did not cure it); not yet diagnosed.
    it.skipIf(pubsub === "sharded")(
      "fetchSockets, serverSideEmit with ack and socketsJoin across servers",
      async () => {
        const [a, b] = await two();
        const cb = await connect(b.url);
        const sockets = await a.io.fetchSockets();
        expect(sockets.map((s) => s.id)).toEqual([cb.id]);

        b.io.on("ping-servers", (n: number, ack: (r: number) => void) => ack(n + 1));
        const replies = await a.io.serverSideEmitWithAck("ping-servers", 41);
        expect(replies).toEqual([42]);

        a.io.socketsJoin("joined");
        await waitFor(async () => (await a.io.in("joined").fetchSockets()).length === 1, "join");
        const got = next(cb, "in-joined");
        a.io.to("joined").emit("in-joined");
        await got;
      },
    );

    it("an Emitter on a third cluster client reaches rooms on both servers", async () => {
      const [a, b] = await two();
      a.io.on("connection", (s) => void s.join("r"));
      b.io.on("connection", (s) => void s.join("r"));
      const ca = await connect(a.url);
      const cb = await connect(b.url);
      await waitFor(async () => (await a.io.in("r").fetchSockets()).length === 2, "both in r");
      const client = await clusterClient(rc);
      try {
        const emitter = new Emitter(client, { key, pubsub });
        const both = Promise.all([next(ca, "from-emitter"), next(cb, "from-emitter")]);
        emitter.to("r").emit("from-emitter", "hi");
        expect(await both).toEqual([["hi"], ["hi"]]);
      } finally {
        await client.close();
      }
    });

    it("rooms whose channels hash to slots on every master each get their broadcast", async () => {
      const [a, b] = await two();
      // Room names whose room channel lands on each of the three masters.
      const rooms: string[] = [];
      const owners = new Set<number>();
      for (let i = 0; owners.size < rc.ports.length && i < 200; i++) {
        const room = `room-${i}`;
        const owner = rc.ownerOf(await rc.keyslot(`${key}#/#${room}#`));
        if (!owners.has(owner)) {
          owners.add(owner);
          rooms.push(room);
        }
      }
      expect(owners.size).toBe(rc.ports.length);
      b.io.on("connection", (s) => void s.join(rooms));
      const cb = await connect(b.url);
      await waitFor(
        async () => (await a.io.in(rooms[2] as string).fetchSockets()).length === 1,
        "rooms",
      );
      for (const room of rooms) {
        const got = next(cb, "r");
        a.io.to(room).emit("r", room);
        expect(await got).toEqual([room]);
      }
    });
  });
}
