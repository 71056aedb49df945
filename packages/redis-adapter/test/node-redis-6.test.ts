import type { Socket as ServerSocket } from "@parley/server";
import { createClient as createClient6 } from "redis6";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterEach, expect, it } from "vitest";
import { Emitter } from "../src/emitter.js";
import { RoundRobinProxy } from "./cluster/proxy.js";
import {
  closeClients,
  connect,
  describeRedis,
  joinRUnlessRecovered,
  type Node,
  next,
  type Redis,
  startCluster,
  uniqueKey,
  waitFor,
  within,
} from "./helpers.js";

// The repo's tests run on node-redis 5 (its `redis` devDependency); these run the adapter's
// main paths on node-redis 6 (the `redis6` alias), which the peer range accepts too. 6.x
// answers in RESP3 by default and routes commands by its own policies; the Redis Cluster side
// of 6.x (keyless PUBLISH order, sharded moves) is in redis-cluster-failover.test.ts.
const createClient = createClient6 as unknown as (options: { url: string }) => Redis;

describeRedis("node-redis 6", () => {
  let nodes: Node[] = [];
  const extra: ClientSocket[] = [];
  const emitters: Redis[] = [];
  const proxies: RoundRobinProxy[] = [];

  afterEach(async () => {
    closeClients();
    for (const c of extra.splice(0)) c.disconnect();
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
    for (const r of emitters.splice(0)) await r.close().catch(() => {});
    for (const p of proxies.splice(0)) await p.close();
  });

  it("broadcasts, rooms, fetchSockets, serverSideEmitWithAck and the Emitter across two servers", async () => {
    const key = uniqueKey("redis6");
    nodes = await startCluster(2, { key, createClient });
    const [a, b] = nodes as [Node, Node];
    b.io.on("connection", (s) => void s.join("room"));
    b.io.on("hello", (ack: (v: string) => void) => ack("b"));
    const client = await connect(b.url);
    await waitFor(async () => (await a.io.in("room").fetchSockets()).length === 1, "the member");

    const inRoom = next(client, "tick");
    a.io.to("room").emit("tick", 1, Buffer.from([1, 2, 3]));
    const [n, bytes] = await within(inRoom, "a room broadcast from the other server");
    expect(n).toBe(1);
    expect(Buffer.from(bytes as ArrayBuffer)).toEqual(Buffer.from([1, 2, 3]));
    expect(await a.io.serverSideEmitWithAck("hello")).toEqual(["b"]);

    const pub = await createClient6({ url: a.pub.options?.url ?? "redis://127.0.0.1:6379" })
      .on("error", () => {})
      .connect();
    emitters.push(pub as unknown as Redis);
    const fromEmitter = next(client, "news");
    new Emitter(pub as never, { key }).to("room").emit("news", "hi");
    expect(await within(fromEmitter, "the Emitter's broadcast")).toEqual(["hi"]);
  });

  it("durable sessions: a session dropped on one server is recovered on the other", async () => {
    const key = uniqueKey("redis6-durable");
    nodes = await startCluster(2, {
      key,
      createClient,
      adapter: { durableSessions: true },
      server: { connectionStateRecovery: { maxDisconnectionDuration: 30_000 } },
    });
    const [a, b] = nodes as [Node, Node];
    joinRUnlessRecovered(nodes);
    // The client connects to a, misses a broadcast while away, and comes back through b.
    let target = 0;
    const proxy = new RoundRobinProxy([a, b].map((n) => Number(new URL(n.url).port)));
    proxies.push(proxy);
    proxy.policy = () => target;
    const c = ioc(await proxy.listen(), {
      forceNew: true,
      transports: ["websocket"],
      reconnectionDelay: 5,
    });
    extra.push(c);
    const got: number[] = [];
    c.on("seq", (v: number) => got.push(v));
    await next(c, "ready");
    a.io.to("r").emit("seq", 0);
    await waitFor(() => got.length === 1, "the first broadcast");
    target = 1;
    const back = next<[boolean]>(c, "ready");
    const [socket] = [...a.io.of("/").sockets.values()] as [ServerSocket];
    socket.conn.request.socket.destroy();
    a.io.to("r").emit("seq", 1);
    const [recovered] = await within(back, "the reconnection", 10_000);
    expect(recovered).toBe(true);
    await waitFor(() => got.length === 2, "the broadcast made while away");
    b.io.to("r").emit("seq", 2);
    await waitFor(() => got.length === 3, "a broadcast after");
    expect(got).toEqual([0, 1, 2]);
  });
});
