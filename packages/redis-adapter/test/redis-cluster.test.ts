import { expect, it } from "vitest";
import { Emitter } from "../src/emitter.js";
import type { PubSubMode, RedisClusterSubscriber } from "../src/index.js";
import { publishOn, subscribeOn } from "../src/redis-client.js";
import {
  type Cluster,
  type ClusterNode,
  clusterClient,
  slowSubscriptions,
  startClusterNode,
  usePrivateCluster,
} from "./fixtures/cluster-nodes.js";
import { describeRedisCluster, type RedisCluster } from "./fixtures/redis-cluster.js";
import { collect, connect, next, uniqueKey, waitFor, within } from "./helpers.js";

const isResponseChannel = (channel: string) => channel.includes("-response#");

function startNode(
  rc: RedisCluster,
  key: string,
  pubsub: PubSubMode,
  wrapSub?: (sub: Cluster) => RedisClusterSubscriber,
): Promise<ClusterNode> {
  return startClusterNode(rc, key, pubsub, wrapSub === undefined ? {} : { wrapSub });
}

for (const pubsub of ["classic", "sharded"] as const) {
  describeRedisCluster(`Redis Cluster (${pubsub} Pub/Sub)`, () => {
    const cluster = usePrivateCluster();
    let key: string;

    async function two(
      wrapSub?: (sub: Cluster) => RedisClusterSubscriber,
    ): Promise<[ClusterNode, ClusterNode]> {
      key = uniqueKey(`cluster-${pubsub}`);
      const a = await startNode(cluster.rc, key, pubsub, wrapSub);
      const b = await startNode(cluster.rc, key, pubsub, wrapSub);
      cluster.servers(a, b);
      await waitFor(
        async () =>
          (await a.adapter().serverCount()) === 2 && (await b.adapter().serverCount()) === 2,
        "two servers to see each other",
      );
      return [a, b];
    }

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

    /** One room name whose room channel lands on each master, in master order. */
    async function roomPerMaster(): Promise<string[]> {
      const byOwner = new Map<number, string>();
      for (let i = 0; byOwner.size < cluster.rc.ports.length && i < 500; i++) {
        const room = `room-${i}`;
        const owner = cluster.rc.ownerOf(await cluster.rc.keyslot(`${key}#/#${room}#`));
        if (!byOwner.has(owner)) byOwner.set(owner, room);
      }
      expect(byOwner.size).toBe(cluster.rc.ports.length);
      return [...byOwner.values()];
    }

    it("fetchSockets, serverSideEmit with ack and socketsJoin across servers", async () => {
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
      await within(got, "the broadcast to the joined room");
    });

    // Sharded Pub/Sub opens one connection per master, when a channel there is first
    // subscribed (and node-redis closes it when the last one goes): a room joined through
    // another server waits for that connection. fetchSockets reporting the socket in the room
    // must mean its channel is subscribed, or the broadcast that follows is lost.
    it("once fetchSockets reports a socket in a room, broadcasts to it arrive (every master)", async () => {
      const [a, b] = await two();
      const ca = await connect(a.url);
      const cb = await connect(b.url);
      const rooms = await roomPerMaster();
      for (let round = 0; round < 4; round++) {
        for (const room of rooms) {
          a.io.socketsJoin(room);
          await waitFor(async () => (await a.io.in(room).fetchSockets()).length === 2, "join");
          const toB = next(cb, "from-a");
          a.io.to(room).emit("from-a", room);
          expect(await within(toB, `${room}: a's broadcast to b's socket`)).toEqual([room]);
          const toA = next(ca, "from-b");
          b.io.to(room).emit("from-b", room);
          expect(await within(toA, `${room}: b's broadcast to a's socket`)).toEqual([room]);
          // Leaving empties the room on both servers: its channel goes, and on a master with
          // no other channel of theirs, so does the connection.
          b.io.socketsLeave(room);
          await waitFor(async () => (await b.io.in(room).fetchSockets()).length === 0, "leave");
        }
      }
    });

    it("fetchSockets waits for the room channels of what it reports (slow links)", async () => {
      // Room channels (not the namespace one) subscribed 300 ms late on both servers.
      const isRoomChannel = (channel: string) =>
        channel.startsWith(`${key}#/#`) && channel !== `${key}#/#`;
      const [a, b] = await two((sub) => slowSubscriptions(sub, 300, isRoomChannel));
      const ca = await connect(a.url);
      const cb = await connect(b.url);
      a.io.socketsJoin("slow");
      expect(await a.io.in("slow").fetchSockets()).toHaveLength(2);
      const toB = next(cb, "from-a");
      const toA = next(ca, "from-b");
      a.io.to("slow").emit("from-a");
      b.io.to("slow").emit("from-b");
      await within(toB, "a's broadcast to b's socket");
      await within(toA, "b's broadcast to a's socket");
    });

    it("requests right after start reach a server whose response channel is slow to subscribe", async () => {
      key = uniqueKey(`cluster-${pubsub}`);
      const b = await startNode(cluster.rc, key, pubsub);
      cluster.servers(b);
      b.io.on("ping-servers", (n: number, ack: (r: number) => void) => ack(n + 1));
      const cb = await connect(b.url);
      const a = await startNode(cluster.rc, key, pubsub, (sub) =>
        slowSubscriptions(sub, 400, isResponseChannel),
      );
      cluster.servers(a);
      // The first moment a counts b, it may ask b something; the answer must reach it.
      await waitFor(async () => (await a.adapter().serverCount()) === 2, "a to hear b");
      const [sockets, replies] = await Promise.all([
        a.io.fetchSockets(),
        a.io.serverSideEmitWithAck("ping-servers", 1),
      ]);
      expect(sockets.map((s) => s.id)).toEqual([cb.id]);
      expect(replies).toEqual([2]);
    });

    // node-redis sends a cluster client's keyless PUBLISH to each master in turn, and each
    // master relays on its own bus link: unrouted, this run got 0, 3, 6, 9… first.
    it("one client's messages arrive in the order they were published", async () => {
      const pub = await clusterClient(cluster.rc);
      const sub = await clusterClient(cluster.rc);
      try {
        const channel = `${uniqueKey("order")}#`;
        const got: number[] = [];
        await subscribeOn(sub, pubsub, channel, (m) => got.push(Number(m.toString())));
        for (let burst = 0; burst < 10; burst++) {
          const sent: Promise<unknown>[] = [];
          for (let i = 0; i < 50; i++)
            sent.push(publishOn(pub, pubsub, channel, `${burst * 50 + i}`));
          await Promise.all(sent);
        }
        await waitFor(() => got.length === 500, "every message");
        expect(got).toEqual([...Array(500).keys()]);
      } finally {
        await Promise.all([pub.close(), sub.close()]);
      }
    });

    it("an Emitter on a third cluster client reaches rooms on both servers", async () => {
      const [a, b] = await two();
      a.io.on("connection", (s) => void s.join("r"));
      b.io.on("connection", (s) => void s.join("r"));
      const ca = await connect(a.url);
      const cb = await connect(b.url);
      await waitFor(async () => (await a.io.in("r").fetchSockets()).length === 2, "both in r");
      const client = await clusterClient(cluster.rc);
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
      const rooms = await roomPerMaster();
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
