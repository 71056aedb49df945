import type { Socket as ServerSocket } from "@parley/server";
import { afterEach, expect, it } from "vitest";
import { RoundRobinProxy } from "./cluster/proxy.js";
import {
  describeRedis,
  type Node,
  next,
  redisClient,
  startCluster,
  uniqueKey,
  waitFor,
} from "./helpers.js";

// `reliable-notify`: a reliable emit on a stale socket object (its connection dropped and
// the session was restored on another server) is stored in Redis, and the server holding the
// live socket is told, so it writes the packet at once, not at the client's next reconnection.

interface ParleySocket {
  connected: boolean;
  recovered: boolean;
  connect(): unknown;
  on(event: string, fn: (...args: never[]) => void): unknown;
  disconnect(): unknown;
}
const PARLEY_CLIENT = "@parley/client";
const { io: parleyClient, reliable } = (await import(PARLEY_CLIENT)) as {
  io: (url: string, opts: Record<string, unknown>) => ParleySocket;
  reliable: <S>(socket: S) => S;
};

describeRedis("reliable emits on a socket object whose session moved to another server", () => {
  let nodes: Node[] = [];
  let proxy: RoundRobinProxy | undefined;
  const clients: ParleySocket[] = [];
  let key = "";

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await proxy?.close();
    proxy = undefined;
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
    const redis = await redisClient();
    const found = await redis.keys(`${key}-durable#*`);
    if (found.length > 0) await redis.del(found);
    await redis.close();
  });

  it("reach the client through the server that holds its live socket, in order", async () => {
    key = uniqueKey("reliable-notify");
    nodes = await startCluster(2, {
      key,
      adapter: { durableSessions: true },
      server: { connectionStateRecovery: { maxDisconnectionDuration: 30_000 } },
    });
    const [a, b] = nodes as [Node, Node];
    let target = 0;
    proxy = new RoundRobinProxy(nodes.map((n) => Number(new URL(n.url).port)));
    proxy.policy = () => target;
    const url = await proxy.listen();
    const onA = next<[ServerSocket]>(a.io, "connection");
    const c = reliable(
      parleyClient(`${url}/`, {
        forceNew: true,
        transports: ["websocket"],
        reconnectionDelay: 20,
        reconnectionDelayMax: 20,
      }),
    );
    clients.push(c);
    const got: number[] = [];
    let connects = 0;
    c.on("rel", ((n: number) => got.push(n)) as never);
    c.on("connect", () => connects++);
    const [stale] = await onA;
    await stale.reliable.emit("rel", 1);
    await waitFor(() => got.includes(1), "the first packet");

    // The connection drops (no close frame); the client comes back through B, which restores
    // the session. `stale` is A's socket object of the dropped connection.
    target = 1;
    const onB = next<[ServerSocket]>(b.io, "connection");
    stale.conn.request.socket.destroy();
    const [live] = await onB;
    expect(live.recovered).toBe(true);
    await waitFor(() => c.connected && connects === 2, "the client back on B");

    await live.reliable.emit("rel", 2);
    for (const n of [3, 4, 5]) await stale.reliable.emit("rel", n);
    await waitFor(() => got.includes(5), "the stale object's packets, with no reconnection");
    await live.reliable.emit("rel", 6);
    await waitFor(() => got.includes(6), "the live object's next packet");
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(connects).toBe(2); // delivered on the same connection, not at a reconnection
  });
});
