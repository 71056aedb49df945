import { createClient } from "redis";
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

// Resharding under a subscription: the slot of a room's channel migrates to another master
// (CLUSTER SETSLOT IMPORTING / MIGRATING, MIGRATE, SETSLOT NODE, as `redis-cli --cluster
// reshard` does) while two Parley servers have it subscribed, then to a third. Sharded: the
// old owner tells the subscriber with a server-sent SUNSUBSCRIBE, and node-redis must
// subscribe again on the new owner (4.x/5.x only through src/sharded-moves.ts); publishers
// get MOVED and follow. Classic: channels have no slot, nothing should change. A broadcast
// published in the instant of the move may be lost (at-most-once); after it, every one
// arrives, in order.

for (const [version, make] of NODE_REDIS) {
  describeRedisCluster(`Redis Cluster: resharding (node-redis ${version})`, () => {
    const cluster = usePrivateCluster(3);

    for (const pubsub of ["classic", "sharded"] as const) {
      it(`${pubsub}: room broadcasts arrive after the room's slot moved twice`, async () => {
        const key = uniqueKey(`reshard-${pubsub}`);
        const rc = cluster.rc;
        const [a, b] = await twoClusterNodes(rc, key, pubsub, make);
        cluster.servers(a, b);
        const [first, second, third] = rc.ports as [number, number, number];
        const room = await roomOn(rc, key, first);
        const slot = await rc.keyslot(`${key}#/#${room}#`);
        b.io.on("connection", (s) => void s.join(room));
        const client = await connect(b.url);
        await waitFor(async () => (await a.io.in(room).fetchSockets()).length === 1, "the member");
        const ticks = collect(client, "tick");
        a.io.to(room).emit("tick", -1);
        await waitFor(() => ticks.length === 1, "a broadcast before the move");

        // A key in the slot, so the move has something to MIGRATE; read back afterwards
        // through the publisher, which must follow the slot (MOVED) as its SPUBLISHes do.
        const channel = `${key}#/#${room}#`;
        await a.pub.set(channel, "kept");
        const counter = { n: 0 };
        // The second move starts from the connection node-redis opened for the first.
        for (const to of [second, third]) {
          const movedAt = Date.now();
          await rc.migrateSlot(slot, to);
          const moved = Date.now() - movedAt;
          await broadcastsResume(ticks, (v) => a.io.to(room).emit("tick", v), counter);
          console.info(
            `node-redis ${version}, ${pubsub}: slot ${slot} → ${to} in ${moved} ms, ` +
              `room broadcasts arriving ${Date.now() - movedAt} ms after the move began`,
          );
        }
        expect(rc.ownerOf(slot)).toBe(third);
        expect(await a.pub.get(channel)).toBe("kept");
        expect((await a.io.in(room).fetchSockets()).map((s) => s.id)).toEqual([client.id]);
        // b's subscription followed the slot: its new owner has the channel's one subscriber.
        if (pubsub === "sharded") {
          const owner = createClient({ url: `redis://127.0.0.1:${third}` });
          owner.on("error", () => {});
          await owner.connect();
          try {
            expect(await owner.sendCommand(["PUBSUB", "SHARDNUMSUB", channel])).toEqual([
              channel,
              1,
            ]);
          } finally {
            owner.destroy();
          }
        }
      }, 60_000);
    }
  });
}
