import { expect, it } from "vitest";
import {
  broadcastsResume,
  NODE_REDIS,
  roomOn,
  twoClusterNodes,
  usePrivateCluster,
} from "./fixtures/cluster-nodes.js";
import { describeRedisCluster } from "./fixtures/redis-cluster.js";
import { collect, connect, uniqueKey, waitFor } from "./helpers.js";

// Redis Cluster with a replica per master: every master fails over (a manual CLUSTER FAILOVER
// on its replica, as an operator or a rolling upgrade does), the room's shard twice, while two
// Parley servers keep their subscriptions. In sharded mode this needs the bridge of
// src/sharded-moves.ts (node-redis 4/5 drop a moved sharded subscription: without it, nothing
// published on the room after the failover arrived). Redis Pub/Sub is at-most-once, so what is published during a switch
// may be lost; what the test requires is that each server finds the new masters by itself
// and that broadcasts (room and namespace) and cluster requests work again afterwards,
// every one of them delivered, in order.

for (const [version, make] of NODE_REDIS)
  for (const pubsub of ["classic", "sharded"] as const) {
    describeRedisCluster(
      `Redis Cluster failover (node-redis ${version}, ${pubsub} Pub/Sub)`,
      () => {
        const cluster = usePrivateCluster(3, { replicas: 1 });

        it("broadcasts and requests work again, all delivered in order, after every master failed over", async () => {
          const key = uniqueKey(`failover-${pubsub}`);
          const rc = cluster.rc;
          const [a, b] = await twoClusterNodes(rc, key, pubsub, make);
          cluster.servers(a, b);
          b.io.on("hello", (ack: (v: string) => void) => ack("b"));
          // A room whose channel lives on the first master.
          const room = await roomOn(rc, key, rc.ports[0] as number);
          b.io.on("connection", (s) => void s.join(room));
          const client = await connect(b.url);
          await waitFor(
            async () => (await a.io.in(room).fetchSockets()).length === 1,
            "the member",
          );
          const inRoom = collect(client, "tick");
          const everyone = collect(client, "all");
          a.io.to(room).emit("tick", -1);
          a.io.emit("all", -1);
          await waitFor(() => inRoom.length === 1 && everyone.length === 1, "before the failovers");

          // Every shard once; then the room's shard again, back to its first master: its
          // subscription now lives on a connection node-redis opened while moving it.
          const roomMaster = rc.ports[0] as number;
          let roomPromoted = roomMaster;
          for (const master of [...rc.ports]) {
            const promoted = await rc.failover(master);
            if (master === roomMaster) roomPromoted = promoted;
            console.info(`failed over ${master} → ${promoted}`);
          }
          await rc.failover(roomPromoted);

          const counter = { n: 0 };
          await broadcastsResume(inRoom, (v) => a.io.to(room).emit("tick", v), counter);
          await broadcastsResume(everyone, (v) => a.io.emit("all", v), counter);

          expect((await a.io.fetchSockets()).map((s) => s.id)).toEqual([client.id]);
          expect(await a.adapter().serverCount()).toBe(2);
          const acks = await a.io.serverSideEmitWithAck("hello");
          expect(acks).toHaveLength(1);
        }, 120_000);
      },
    );
  }
