import { expect, it } from "vitest";
import {
  broadcastsResume,
  type ClusterNode,
  NODE_REDIS,
  roomOn,
  twoClusterNodes,
  usePrivateCluster,
} from "./fixtures/cluster-nodes.js";
import { describeRedisCluster } from "./fixtures/redis-cluster.js";
import { collect, connect, sleep, uniqueKey, waitFor } from "./helpers.js";

// A master process killed (SIGKILL) under two Parley servers: the other nodes mark it failed
// after cluster-node-timeout (1 s here, 15 s by default) and its replica is elected, with no
// command from anyone. Nothing is promised for what is published while the shard has no
// master (Redis answers CLUSTERDOWN, or the command waits for a connection that never comes
// back and then fails): Pub/Sub is at-most-once. What the test requires is that each server
// finds the new master by itself and that room broadcasts and cluster requests work again,
// every broadcast after the recovery delivered, in order. node-redis 5 does not notice the
// loss by itself (src/lost-nodes.ts: without it nothing arrived again, classic or sharded);
// node-redis 6 refreshes its topology after 5 s of reconnection attempts.

/** Each server's `cluster-node-timeout`: small, so a failover takes a few seconds. */
const NODE_TIMEOUT_MS = 1000;

for (const [version, make] of NODE_REDIS) {
  describeRedisCluster(`Redis Cluster: a master killed (node-redis ${version})`, () => {
    const cluster = usePrivateCluster(3, { replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });

    // Classic first: it may kill any master; sharded then kills one that still has a replica.
    for (const pubsub of ["classic", "sharded"] as const) {
      it(`${pubsub}: room broadcasts and requests work again after a master was killed`, async () => {
        const key = uniqueKey(`kill-${pubsub}`);
        const rc = cluster.rc;
        const [a, b] = await twoClusterNodes(rc, key, pubsub, make);
        cluster.servers(a, b);
        b.io.on("hello", (ack: (v: string) => void) => ack("b"));
        // Sharded: the master of the room's channel. Classic: the master that b's subscriber
        // connection is on (node-redis's choice), whose loss b must notice.
        const master =
          pubsub === "sharded"
            ? (rc.ports.find((p) => rc.replicaOf.has(p)) as number)
            : classicSubscriberPort(b);
        const room = await roomOn(rc, key, pubsub === "sharded" ? master : (rc.ports[0] as number));
        // A second room on the same master, joined while it is dead (its subscription is
        // sent to a connection that never comes back).
        const late = await roomOn(
          rc,
          key,
          pubsub === "sharded" ? master : (rc.ports[0] as number),
          room,
        );
        b.io.on("connection", (s) => {
          void s.join(room);
          s.on("late", () => void s.join(late));
        });
        const client = await connect(b.url);
        await waitFor(async () => (await a.io.in(room).fetchSockets()).length === 1, "the member");
        const ticks = collect(client, "tick");
        a.io.to(room).emit("tick", -1);
        await waitFor(() => ticks.length === 1, "a broadcast before the kill");

        const killedAt = Date.now();
        const killing = rc.kill(master);
        await sleep(NODE_TIMEOUT_MS / 4);
        client.emit("late");
        const promoted = await killing;
        const tookOver = Date.now() - killedAt;
        const counter = { n: 0 };
        await broadcastsResume(ticks, (v) => a.io.to(room).emit("tick", v), counter);
        const lateTicks = collect(client, "late-tick");
        await broadcastsResume(lateTicks, (v) => a.io.to(late).emit("late-tick", v), counter);
        console.info(
          `node-redis ${version}, ${pubsub}: killed ${master}; ${promoted} master after ` +
            `${tookOver} ms, room broadcasts arriving again after ${Date.now() - killedAt} ms`,
        );
        // Heartbeats published during the outage were lost: each server may have declared
        // the other dead; the next heartbeat that gets through brings it back.
        await waitFor(
          async () =>
            (await a.adapter().serverCount()) === 2 && (await b.adapter().serverCount()) === 2,
          "the two servers to see each other again",
        );
        expect((await a.io.in(room).fetchSockets()).map((s) => s.id)).toEqual([client.id]);
        expect(await a.io.serverSideEmitWithAck("hello")).toEqual(["b"]);
      }, 60_000);
    }
  });
}

/** The port of the node that `node`'s classic subscriber connection is on. */
function classicSubscriberPort(node: ClusterNode): number {
  // node-redis keeps it as `_slots.pubSubNode` (5.x and 6.x); the test only reads it.
  const slots = (node.sub as unknown as { _slots: { pubSubNode?: { address: string } } })._slots;
  const port = Number(slots.pubSubNode?.address.split(":")[1]);
  if (!Number.isInteger(port)) throw new Error("no classic subscriber connection");
  return port;
}
