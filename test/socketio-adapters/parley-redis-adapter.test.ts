// Parley's own Redis adapter through the same conformance suite as socket.io's adapters.
import { createAdapter } from "@parley/redis-adapter";
import { createClient } from "redis";
import { adapterConformance } from "../support/adapter-conformance.js";
import { RECOVERY, type RunningServer, startParley } from "../support/adapter-servers.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";

adapterConformance(
  "@parley/redis-adapter: two servers, with recovery",
  async () => {
    const key = uniqueName("parley_redis");
    const clients: ReturnType<typeof createClient>[] = [];
    const servers: RunningServer[] = [];
    for (const name of ["p0", "p1"]) {
      const [pub, sub] = [createClient({ url: REDIS_URL }), createClient({ url: REDIS_URL })];
      for (const c of [pub, sub]) {
        c.on("error", () => {});
        await c.connect();
        clients.push(c);
      }
      servers.push(
        await startParley(name, createAdapter(pub, sub, { key }), {
          connectionStateRecovery: RECOVERY,
        }),
      );
    }
    return {
      servers: servers as [RunningServer, RunningServer],
      async stop() {
        await Promise.all(servers.map((s) => s.close()));
        await Promise.all(clients.map((c) => c.close().catch(() => {})));
      },
    };
  },
  { describe: await describeRedis(), recovery: true },
);
