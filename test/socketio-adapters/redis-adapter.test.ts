// @socket.io/redis-adapter (8.x) hosted on two Parley servers: classic Pub/Sub
// (createAdapter) and sharded Pub/Sub (createShardedAdapter, Redis 7+).

import type { SocketIoAdapterConstructor } from "@parley/server/adapter";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { adapterConformance } from "../support/adapter-conformance.js";
import { type RunningServer, startParley } from "../support/adapter-servers.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";

type Redis = ReturnType<typeof createClient>;

async function redis(): Promise<Redis> {
  const client = createClient({ url: REDIS_URL });
  client.on("error", () => {});
  await client.connect();
  return client;
}

const describe = await describeRedis();

function cluster(make: (pub: Redis, sub: Redis, key: string) => SocketIoAdapterConstructor) {
  return async () => {
    const key = uniqueName("sio_redis");
    const clients: Redis[] = [];
    const servers: RunningServer[] = [];
    for (const name of ["p0", "p1"]) {
      const pub = await redis();
      const sub = await redis();
      clients.push(pub, sub);
      servers.push(await startParley(name, make(pub, sub, key)));
    }
    return {
      servers: servers as [RunningServer, RunningServer],
      async stop() {
        await Promise.all(servers.map((s) => s.close()));
        await Promise.all(clients.map((c) => c.close().catch(() => {})));
      },
    };
  };
}

adapterConformance(
  "@socket.io/redis-adapter hosted on Parley: two servers",
  cluster((pub, sub, key) => createAdapter(pub, sub, { key })),
  { describe },
);

adapterConformance(
  "@socket.io/redis-adapter's sharded adapter hosted on Parley: two servers",
  cluster((pub, sub, key) => createShardedAdapter(pub, sub, { channelPrefix: key })),
  { describe },
);
