import { createCluster } from "redis";
import { createCluster as createCluster6 } from "redis6";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { PubSubMode } from "../src/index.js";
import {
  type ClusterNode,
  type CreateCluster,
  startClusterNode,
} from "./fixtures/cluster-nodes.js";
import {
  CLUSTER_HOOK_MS,
  describeRedisCluster,
  type RedisCluster,
  startRedisCluster,
} from "./fixtures/redis-cluster.js";
import { closeClients, collect, connect, sleep, uniqueKey, waitFor } from "./helpers.js";

const NODE_REDIS: [version: string, make: CreateCluster][] = [
  ["5", createCluster],
  ["6", createCluster6 as unknown as CreateCluster],
];

for (const [version, make] of NODE_REDIS) {
  describeRedisCluster(`Redis Cluster: a master killed (node-redis ${version})`, () => {
    let rc: RedisCluster;
    let nodes: ClusterNode[] = [];

    beforeAll(async () => {
      rc = await startRedisCluster(3, { replicas: 1, nodeTimeoutMs: 1000 });
    }, CLUSTER_HOOK_MS);
    afterAll(async () => {
      await rc?.stop();
    });
    afterEach(async () => {
      closeClients();
      await Promise.all(nodes.map((n) => n.close()));
      nodes = [];
    });

    async function two(key: string, mode: PubSubMode): Promise<[ClusterNode, ClusterNode]> {
      const a = await startClusterNode(rc, key, mode, { createCluster: make });
      const b = await startClusterNode(rc, key, mode, { createCluster: make });
      nodes = [a, b];
      await waitFor(
        async () =>
          (await a.adapter().serverCount()) === 2 && (await b.adapter().serverCount()) === 2,
        "two servers to see each other",
      );
      return [a, b];
    }

    /** The port of the node b's classic subscriber connection is on (node-redis's choice). */
    function classicNode(node: ClusterNode): number {
      const slots = (node.sub as unknown as { _slots: { pubSubNode?: { address: string } } })
        ._slots;
      return Number(slots.pubSubNode?.address.split(":")[1]);
    }

    // Classic first: it may kill any master; sharded then kills one not yet killed.
    for (const pubsub of ["classic", "sharded"] as const) {
      it(`${pubsub}: broadcasts and requests work again after the room's master was killed`, async () => {
        const key = uniqueKey(`kill-${pubsub}`);
        const [a, b] = await two(key, pubsub);
        b.io.on("hello", (ack: (v: string) => void) => ack("b"));
        // Sharded: the master of the room's channel. Classic: the master b's subscriber
        // connection is on (node-redis picks one at random), the one whose loss it must notice.
        const master =
          pubsub === "sharded"
            ? (rc.ports.find((p) => rc.replicaOf.has(p)) as number)
            : classicNode(b);
        let room = "";
        for (let i = 0; room === "" && i < 500; i++) {
          const slot = await rc.keyslot(`${key}#/#room-${i}#`);
          if (rc.ownerOf(slot) === master) room = `room-${i}`;
        }
        expect(room).not.toBe("");
        b.io.on("connection", (s) => void s.join(room));
        const client = await connect(b.url);
        await waitFor(async () => (await a.io.in(room).fetchSockets()).length === 1, "the member");
        const inRoom = collect(client, "tick");
        a.io.to(room).emit("tick", -1);
        await waitFor(() => inRoom.length === 1, "before the kill");

        const t0 = Date.now();
        const promoted = await rc.kill(master);
        console.info(`killed ${master}: ${promoted} master after ${Date.now() - t0} ms`);
        let n = 0;
        const deadline = Date.now() + 30_000;
        while (!inRoom.some(([v]) => (v as number) >= 0) && Date.now() < deadline) {
          a.io.to(room).emit("tick", n++);
          await sleep(100);
        }
        console.info(`first broadcast after ${Date.now() - t0} ms`);
        const from = n;
        for (let k = 0; k < 20; k++) a.io.to(room).emit("tick", n++);
        const after = () => inRoom.map(([v]) => v as number).filter((v) => v >= from);
        await waitFor(() => after().length >= 20, "20 broadcasts after the kill", 10_000);
        expect(after()).toEqual(Array.from({ length: 20 }, (_, k) => from + k));
        // Heartbeats published during the outage were lost: each may have declared the other
        // dead; the next heartbeat brings it back.
        await waitFor(
          async () =>
            (await a.adapter().serverCount()) === 2 && (await b.adapter().serverCount()) === 2,
          "the two servers to see each other again",
        );
        expect((await a.io.fetchSockets()).map((s) => s.id)).toEqual([client.id]);
        expect(await a.io.serverSideEmitWithAck("hello")).toEqual(["b"]);
      }, 60_000);
    }
  });
}
