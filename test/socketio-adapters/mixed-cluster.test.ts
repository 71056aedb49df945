// A rolling migration: a socket.io 4.8 server and a Parley server in one cluster, both on
// @socket.io/redis-adapter (one key). Each order, so every operation is tried both ways.
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { adapterConformance } from "../support/adapter-conformance.js";
import { type RunningServer, startParley, startSocketIo } from "../support/adapter-servers.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";

type Redis = ReturnType<typeof createClient>;
const describe = await describeRedis();

function mixed(order: ["socket.io" | "parley", "socket.io" | "parley"]) {
  return async () => {
    const key = uniqueName("sio_mixed");
    const clients: Redis[] = [];
    const servers: RunningServer[] = [];
    for (const [i, kind] of order.entries()) {
      const [pub, sub] = [createClient({ url: REDIS_URL }), createClient({ url: REDIS_URL })];
      for (const c of [pub, sub]) {
        c.on("error", () => {});
        await c.connect();
        clients.push(c);
      }
      const name = `${kind === "parley" ? "p" : "s"}${i}`;
      servers.push(
        kind === "parley"
          ? await startParley(name, createAdapter(pub, sub, { key }))
          : await startSocketIo(name, createAdapter(pub, sub, { key })),
      );
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
  "mixed cluster on @socket.io/redis-adapter: socket.io 4.8 (s0) and Parley (p1)",
  mixed(["socket.io", "parley"]),
  { describe },
);

adapterConformance(
  "mixed cluster on @socket.io/redis-adapter: Parley (p0) and socket.io 4.8 (s1)",
  mixed(["parley", "socket.io"]),
  { describe },
);
