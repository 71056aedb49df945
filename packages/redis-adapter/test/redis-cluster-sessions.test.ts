import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { attachSessionRelay, type RedisSessionRelay } from "../src/index.js";
import { RoundRobinProxy } from "./cluster/proxy.js";
import { FAST_ENGINE, FAST_RELAY } from "./cluster/relay-nodes.js";
import { type ClusterNode, startClusterNode } from "./fixtures/cluster-nodes.js";
import {
  CLUSTER_HOOK_MS,
  describeRedisCluster,
  type RedisCluster,
  startRedisCluster,
} from "./fixtures/redis-cluster.js";
import { uniqueKey, waitFor, within } from "./helpers.js";

interface RelayNode {
  node: ClusterNode;
  relay: RedisSessionRelay;
}

const BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

// No server dies here: liveness is not under test, so its timeouts leave room for a loaded
// machine (with FAST_RELAY's 400 ms a stalled event loop got a live relay declared dead, and
// its tunnels and sessions closed, in loaded runs). Heartbeats stay fast.
const ENGINE = { ...FAST_ENGINE, pingTimeout: 5000 };
const RELAY = { ...FAST_RELAY, heartbeatTimeout: 3000 };
/** 40 acks relayed over long-polling: past the default 20 s at load ~13 (a safety net). */
const SLOW_TEST_MS = 90_000;

function sidOf(socket: ClientSocket): string {
  return (socket.io.engine as unknown as { id: string }).id;
}

/**
 * The session relay on `createCluster` clients: its tunnels are byte streams cut into Pub/Sub
 * messages, so they hold only if one node's messages arrive in order, on either Pub/Sub.
 */
for (const pubsub of ["classic", "sharded"] as const) {
  describeRedisCluster(`session relay on Redis Cluster (${pubsub} Pub/Sub)`, () => {
    let rc: RedisCluster;
    let relays: RelayNode[] = [];
    let proxy: RoundRobinProxy | null = null;
    const clients: ClientSocket[] = [];

    beforeAll(async () => {
      rc = await startRedisCluster();
    }, CLUSTER_HOOK_MS);
    afterAll(async () => {
      await rc?.stop();
    });
    afterEach(async () => {
      for (const c of clients.splice(0)) c.disconnect();
      await proxy?.close();
      proxy = null;
      await Promise.all(
        relays.map(async ({ node, relay }) => {
          await relay.close();
          await node.close();
        }),
      );
      relays = [];
    });

    /** Two relaying servers behind a balancer that never sends a request to its owner. */
    async function twoBehindBalancer(): Promise<string> {
      const key = uniqueKey(`cluster-sessions-${pubsub}`);
      for (let i = 0; i < 2; i++) {
        const node = await startClusterNode(rc, key, pubsub, { server: ENGINE });
        const relay = attachSessionRelay(node.io, {
          pubClient: node.pub,
          subClient: node.sub,
          key,
          pubsub,
          ...RELAY,
        });
        await relay.ready;
        node.io.on("connection", (socket) => {
          socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
        });
        relays.push({ node, relay });
      }
      await waitFor(() => relays.every((r) => r.relay.liveNodes().length === 1), "relays");
      proxy = new RoundRobinProxy(relays.map((r) => r.node.port));
      proxy.policy = (_kind, req) => {
        const sid = new URL(req.url ?? "/", "http://x").searchParams.get("sid");
        if (sid === null) return undefined;
        return relays.findIndex((r) => !sid.startsWith(r.relay.nodeId));
      };
      return proxy.listen();
    }

    function client(url: string, transports?: ("polling" | "websocket")[]): ClientSocket {
      const socket = ioc(url, {
        forceNew: true,
        reconnection: false,
        ...(transports === undefined ? {} : { transports }),
      });
      clients.push(socket);
      return socket;
    }

    /** Acks (text and binary) in a row, and a server broadcast after each. */
    async function exercise(socket: ClientSocket, rounds: number): Promise<void> {
      const news: number[] = [];
      socket.on("news", (n: number) => news.push(n));
      for (let round = 0; round < rounds; round++) {
        expect(await socket.timeout(3000).emitWithAck("echo", { round, text: "héllo ✓" })).toEqual({
          round,
          text: "héllo ✓",
        });
        const bin = (await socket.timeout(3000).emitWithAck("echo", BYTES)) as Buffer;
        expect(Buffer.from(bin).equals(BYTES)).toBe(true);
        for (const { node } of relays) node.io.emit("news", round);
      }
      await waitFor(() => news.length === rounds * relays.length, "every broadcast", 5000);
    }

    it(
      "long-polling through the node that does not own the session",
      async () => {
        const url = await twoBehindBalancer();
        const socket = client(url, ["polling"]);
        await within(new Promise((r) => socket.once("connect", () => r(null))), "connect", 5000);
        await exercise(socket, 20);
        const owner = relays.findIndex((r) => sidOf(socket).startsWith(r.relay.nodeId));
        const edge = relays[1 - owner] as RelayNode;
        expect(edge.relay.stats.requestsOut).toBeGreaterThan(20);
        expect(socket.connected).toBe(true);
      },
      SLOW_TEST_MS,
    );

    it(
      "upgrades to WebSocket through the node that does not own the session",
      async () => {
        const url = await twoBehindBalancer();
        const socket = client(url);
        await waitFor(() => socket.io.engine?.transport.name === "websocket", "the upgrade");
        const owner = relays.findIndex((r) => sidOf(socket).startsWith(r.relay.nodeId));
        expect((relays[1 - owner] as RelayNode).relay.stats.upgradesOut).toBe(1);
        await exercise(socket, 20);
        expect(socket.connected).toBe(true);
      },
      SLOW_TEST_MS,
    );
  });
}
