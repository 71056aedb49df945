// @socket.io/redis-streams-adapter hosted on two Parley servers, with connection state
// recovery (the adapter keeps sessions and packets in Redis).
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { adapterConformance } from "../support/adapter-conformance.js";
import { RECOVERY, type RunningServer, startParley } from "../support/adapter-servers.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";

adapterConformance(
  "@socket.io/redis-streams-adapter hosted on Parley: two servers, with recovery",
  async () => {
    const name = uniqueName("sio_streams");
    const clients: ReturnType<typeof createClient>[] = [];
    const servers: RunningServer[] = [];
    for (const server of ["p0", "p1"]) {
      const client = createClient({ url: REDIS_URL });
      client.on("error", () => {});
      await client.connect();
      clients.push(client);
      const adapter = createAdapter(client, {
        streamName: name,
        channelPrefix: name,
        sessionKeyPrefix: `${name}:session:`,
        // The stream readers block this long: it bounds how long closing takes.
        blockTimeInMs: 100,
      });
      servers.push(await startParley(server, adapter, { connectionStateRecovery: RECOVERY }));
    }
    return {
      servers: servers as [RunningServer, RunningServer],
      async stop() {
        await Promise.all(servers.map((s) => s.close()));
        await Promise.all(clients.map((c) => c.close().catch(() => {})));
        const cleanup = createClient({ url: REDIS_URL });
        await cleanup.connect();
        await cleanup.del(name);
        await cleanup.close();
      },
    };
  },
  { describe: await describeRedis(), recovery: true },
);
