import { afterAll, beforeAll } from "vitest";
import { reliableStoreConformance } from "../../../test/support/reliable-store-conformance.js";
import type { CommandClient } from "../src/durable/store.js";
import { RedisReliableStore } from "../src/reliable/redis-reliable-store.js";
import { describeRedis, type Redis, redisClient, sleep, uniqueKey } from "./helpers.js";

// The same suite as the memory store's, on the real Redis (its own key prefix); time passes
// for real here, since expiry is Redis's.
describeRedis("RedisReliableStore", () => {
  let redis: Redis | undefined;
  const key = uniqueKey("reliable-store");

  beforeAll(async () => {
    redis = await redisClient();
  });
  afterAll(async () => {
    const r = redis as Redis;
    const found = await r.keys(`${key}-durable#*`);
    if (found.length > 0) await r.del(found);
    await r.close();
  });

  reliableStoreConformance("redis", {
    make: async (opts) =>
      new RedisReliableStore(redis as unknown as CommandClient, { ...opts, key, nsp: "/" }),
    elapse: (ms) => sleep(ms),
  });
});
