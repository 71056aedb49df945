// @socket.io/redis-adapter (8.x, classic Pub/Sub) hosted on two Parley servers.
import { createAdapter } from "@socket.io/redis-adapter";
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

adapterConformance(
  "@socket.io/redis-adapter hosted on Parley: two servers",
  async () => {
    const key = uniqueName("sio_redis");
    const clients: Redis[] = [];
    const servers: RunningServer[] = [];
    for (const name of ["p0", "p1"]) {
      const pub = await redis();
      const sub = await redis();
      clients.push(pub, sub);
      servers.push(await startParley(name, createAdapter(pub, sub, { key })));
    }
    const [s0, s1] = servers as [RunningServer, RunningServer];
    return {
      servers: [s0, s1],
      async stop() {
        await Promise.all(servers.map((s) => s.close()));
        await Promise.all(clients.map((c) => c.close().catch(() => {})));
      },
    };
  },
  { describe: await describeRedis() },
);
