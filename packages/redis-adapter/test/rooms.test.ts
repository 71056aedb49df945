import { afterEach, expect, it, vi } from "vitest";
import { namespaceChannel, roomChannel } from "../src/index.js";
import {
  closeClients,
  collect,
  connect,
  describeRedis,
  type Node,
  next,
  type Redis,
  redisClient,
  slowSubscriber,
  startCluster,
  uniqueKey,
  waitFor,
} from "./helpers.js";

async function shardSubscribers(redis: Redis, channel: string): Promise<number> {
  const reply = (await redis.sendCommand(["PUBSUB", "SHARDNUMSUB", channel])) as [string, number];
  return Number(reply[1]);
}

describeRedis("room channels (subscriptionMode: dynamic, the default)", () => {
  let nodes: Node[] = [];
  let redis: Redis | undefined;

  afterEach(async () => {
    closeClients();
    await Promise.all(nodes.map((n) => n.close()));
    redis?.destroy();
    redis = undefined;
  });

  it("await io.socketsJoin(room) settles once every server can hear the room (slow links)", async () => {
    const key = uniqueKey("rooms-join");
    // Every room channel subscription is confirmed 300 ms late.
    const isRoom = (c: string) => c !== namespaceChannel(key, "/") && !c.includes("-response#");
    nodes = await startCluster(2, { key, subscriber: (sub) => slowSubscriber(sub, 300, isRoom) });
    const [a, b] = nodes as [Node, Node];
    const onB = await connect(b.url);
    const got = collect(onB, "news");
    await waitFor(async () => (await a.io.fetchSockets()).length === 1, "A to see B's socket");

    await a.io.socketsJoin("late");
    expect(b.io.of("/").adapter.rooms.get("late")?.size).toBe(1);
    a.io.to("late").emit("news", 1);
    await waitFor(() => got.length === 1, "the broadcast");

    await a.io.in("late").socketsLeave("late");
    expect(b.io.of("/").adapter.rooms.has("late")).toBe(false);
    a.io.to("late").emit("news", 2);
    a.io.emit("news", 3);
    await waitFor(() => got.length === 2, "the broadcast to everyone");
    expect(got.map((args) => args[0])).toEqual([1, 3]);
  });

  it("a remote socket's join() settles once its server can hear the room", async () => {
    const key = uniqueKey("rooms-remote-join");
    const isRoom = (c: string) => c !== namespaceChannel(key, "/") && !c.includes("-response#");
    nodes = await startCluster(2, { key, subscriber: (sub) => slowSubscriber(sub, 300, isRoom) });
    const [a, b] = nodes as [Node, Node];
    const onB = await connect(b.url);
    const got = collect(onB, "news");
    const [remote] = await a.io.fetchSockets();
    await remote?.join("solo");
    a.io.to("solo").emit("news", "hi");
    await waitFor(() => got.length === 1, "the broadcast");
  });

  it("uses sharded Pub/Sub on Redis 7", async () => {
    nodes = await startCluster(2, { key: uniqueKey("rooms") });
    expect(nodes[0]?.adapter().pubsub).toBe("sharded");
  });

  it("a server subscribes to a room's channel while it has members, and join() waits for it", async () => {
    const key = uniqueKey("rooms");
    nodes = await startCluster(2, { key });
    const [a] = nodes as [Node, Node];
    redis = await redisClient();
    const channel = roomChannel(key, "/", "lobby");
    let joined: Promise<void> | void | undefined;
    let called = false;
    a.io.on("connection", (socket) => {
      joined = socket.join("lobby");
      called = true;
    });
    const c = await connect(a.url);
    await waitFor(() => called, "join");
    expect(joined).toBeInstanceOf(Promise);
    await joined;
    // Subscribed by the time join() resolved.
    expect(await shardSubscribers(redis, channel)).toBe(1);
    // A socket's own room has no channel of its own.
    expect(await shardSubscribers(redis, roomChannel(key, "/", c.id as string))).toBe(0);
    c.disconnect();
    await waitFor(
      async () => (await shardSubscribers(redis as Redis, channel)) === 0,
      "unsubscribe",
    );
  });

  it("a broadcast to one room reaches only the servers with members in it", async () => {
    nodes = await startCluster(3, { key: uniqueKey("rooms") });
    const [a, b, c] = nodes as [Node, Node, Node];
    for (const n of [a, c]) {
      n.io.on("connection", async (s) => {
        await s.join("r");
        s.emit("ready");
      });
    }
    const [ca, cb, cc] = await Promise.all([connect(a.url), connect(b.url), connect(c.url)]);
    await Promise.all(
      [ca.connected ? next(ca, "ready") : undefined, next(cc, "ready")].filter(Boolean),
    );
    const received = vi.spyOn(b.adapter(), "onMessage");
    const onB = collect(cb, "news");
    const got = next(cc, "news");
    a.io.to("r").emit("news", 1);
    a.io.to("r").except("nobody").emit("news", 2);
    expect(await got).toEqual([1]);
    const marker = next(cb, "marker");
    a.io.emit("marker");
    await marker;
    const types = received.mock.calls.map(([m]) => m.type);
    // B got the namespace-wide marker, but neither room broadcast.
    expect(types.filter((t) => t === "broadcast")).toHaveLength(1);
    expect(onB).toEqual([]);
  });

  it("serverSideEmit, fetchSockets and acked broadcasts still use the namespace channel", async () => {
    const key = uniqueKey("rooms");
    nodes = await startCluster(2, { key });
    const [a, b] = nodes as [Node, Node];
    b.io.on("connection", (s) => {
      void s.join("r");
    });
    const cb = await connect(b.url);
    cb.on("q", (ack: (x: number) => void) => ack(1));
    await waitFor(async () => (await a.io.in("r").fetchSockets()).length === 1, "member");
    expect(await a.io.to("r").timeout(2000).emitWithAck("q")).toEqual([1]);
    expect(cb.connected).toBe(true);
    redis = await redisClient();
    expect(await shardSubscribers(redis, namespaceChannel(key, "/"))).toBe(2);
  });
});

describeRedis("other modes", () => {
  let nodes: Node[] = [];
  afterEach(async () => {
    closeClients();
    await Promise.all(nodes.map((n) => n.close()));
  });

  it.each([
    ["static", { subscriptionMode: "static" }],
    ["dynamic-private", { subscriptionMode: "dynamic-private" }],
    ["classic Pub/Sub", { pubsub: "classic" }],
    ["classic Pub/Sub, static", { pubsub: "classic", subscriptionMode: "static" }],
  ] as const)(
    "%s: rooms, socket rooms and requests work across servers",
    async (_name, adapter) => {
      nodes = await startCluster(2, { key: uniqueKey("modes"), adapter });
      const [a, b] = nodes as [Node, Node];
      b.io.on("connection", (s) => {
        void s.join("r");
      });
      const cb = await connect(b.url);
      cb.on("q", (ack: (x: string) => void) => ack("pong"));
      await waitFor(async () => (await a.io.in("r").fetchSockets()).length === 1, "member");
      const inRoom = next(cb, "room");
      a.io.to("r").emit("room", 1);
      expect(await inRoom).toEqual([1]);
      const direct = next(cb, "direct");
      a.io.to(cb.id as string).emit("direct", 2);
      expect(await direct).toEqual([2]);
      expect(await a.io.timeout(2000).emitWithAck("q")).toEqual(["pong"]);
    },
  );
});
