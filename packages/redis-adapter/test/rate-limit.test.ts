import { Redis as IoRedis } from "ioredis";
import type { Socket as ClientSocket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { userRateStoreConformance } from "../../../test/support/user-rate-store-conformance.js";
import { RedisUserRateStore } from "../src/index.js";
import {
  closeClients,
  connect,
  describeRedis,
  type Node,
  REDIS_URL,
  type Redis,
  redisClient,
  startNode,
  uniqueKey,
} from "./helpers.js";

type Reply = { ok: number } | { error: { code: string; scope: string; retryAfterMs: number } };

function emitAck(socket: ClientSocket, event: string, value: number): Promise<Reply> {
  return new Promise((resolve) => socket.emit(event, value, (reply: Reply) => resolve(reply)));
}

describeRedis("RedisUserRateStore", () => {
  const prefix = `${uniqueKey("rate")}#`;
  const clients: Redis[] = [];
  let nodes: Node[] = [];

  const ioredis: IoRedis[] = [];

  beforeAll(async () => {
    clients.push(await redisClient(), await redisClient());
    ioredis.push(new IoRedis(REDIS_URL), new IoRedis(REDIS_URL));
  });
  afterEach(async () => {
    closeClients();
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
  });
  afterAll(async () => {
    const r = clients[0] as Redis;
    const found = await r.keys(`${prefix}*`);
    if (found.length > 0) await r.del(found);
    await Promise.all(clients.map((c) => c.close()));
    for (const c of ioredis) c.disconnect();
  });

  let n = 0;
  userRateStoreConformance("redis", {
    make: async () => [
      new RedisUserRateStore(clients[0] as Redis, { keyPrefix: prefix }),
      new RedisUserRateStore(clients[1] as Redis, { keyPrefix: prefix }),
    ],
    key: (name) => `${name}-${n++}`,
  });

  userRateStoreConformance("ioredis", {
    make: async () => [
      new RedisUserRateStore(ioredis[0] as IoRedis, { keyPrefix: prefix }),
      new RedisUserRateStore(ioredis[1] as IoRedis, { keyPrefix: prefix }),
    ],
    key: (name) => `${name}-${n++}`,
  });

  it("two servers share one user's limit; other users and the well-behaved keep going", async () => {
    const key = uniqueKey("rate-cluster");
    const limited: string[] = [];
    // Each server has its own Redis connection for the counts, as two processes would.
    const server = (i: number) => ({
      rateLimit: {
        users: {
          key: (s: { handshake: { auth: Record<string, unknown> } }) =>
            s.handshake.auth.user as string | undefined,
          limit: 5,
          windowMs: 600_000,
          store: new RedisUserRateStore(clients[i] as Redis, { keyPrefix: prefix }),
        },
        onLimited: (_s: unknown, info: { scope: string }) => limited.push(`${i}:${info.scope}`),
      },
    });
    nodes = [
      await startNode({ key, server: server(0) }),
      await startNode({ key, server: server(1) }),
    ];
    // What each server's handlers saw, in the order they ran.
    const handled: number[][] = [[], []];
    nodes.forEach((node, i) => {
      node.io.on("connection", (s) =>
        s.on("echo", (v: number, ack: (r: Reply) => void) => {
          handled[i]?.push(v);
          ack({ ok: v });
        }),
      );
    });
    const [one, two] = nodes as [Node, Node];
    const aliceOnOne = await connect(one.url, "/", { auth: { user: "alice" } });
    const aliceOnTwo = await connect(two.url, "/", { auth: { user: "alice" } });
    const bobOnTwo = await connect(two.url, "/", { auth: { user: "bob" } });

    const first = await Promise.all([0, 1, 2].map((i) => emitAck(aliceOnOne, "echo", i)));
    expect(first).toEqual([{ ok: 0 }, { ok: 1 }, { ok: 2 }]);
    // Server two sees the three events server one counted: two more pass, then the limit.
    const second = await Promise.all([3, 4, 5, 6].map((i) => emitAck(aliceOnTwo, "echo", i)));
    expect(second.slice(0, 2)).toEqual([{ ok: 3 }, { ok: 4 }]);
    for (const reply of second.slice(2)) {
      expect(reply).toMatchObject({ error: { code: "RATE_LIMITED", scope: "user" } });
    }
    // And server one now refuses alice too.
    expect(await emitAck(aliceOnOne, "echo", 7)).toMatchObject({ error: { scope: "user" } });
    // Bob is counted apart, on the same server as the limited alice.
    const bob = await Promise.all([0, 1, 2, 3, 4].map((i) => emitAck(bobOnTwo, "echo", i)));
    expect(bob).toEqual([0, 1, 2, 3, 4].map((ok) => ({ ok })));
    expect(limited.sort()).toEqual(["0:user", "1:user", "1:user"]);
    // Handlers ran after Redis answered, in the order the events were sent.
    expect(handled).toEqual([
      [0, 1, 2],
      [3, 4, 0, 1, 2, 3, 4],
    ]);
    // One key per identity, expiring with its window.
    const ttl = await (clients[0] as Redis).pTTL(`${prefix}alice`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });
});
