// @socket.io/postgres-adapter hosted on two Parley servers, on the local PostgreSQL
// (LISTEN/NOTIFY; its attachments table made and dropped here, under a name of its own).
import { createAdapter } from "@socket.io/postgres-adapter";
import pg from "pg";
import { adapterConformance } from "../support/adapter-conformance.js";
import { type RunningServer, startParley } from "../support/adapter-servers.js";
import { describePostgres, PG_URL, uniqueName } from "../support/services.js";

adapterConformance(
  "@socket.io/postgres-adapter hosted on Parley: two servers",
  async () => {
    const name = uniqueName("sio_pg");
    const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
    await admin.query(
      `CREATE TABLE IF NOT EXISTS ${name} (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`,
    );
    const pools: pg.Pool[] = [];
    const servers: RunningServer[] = [];
    for (const server of ["p0", "p1"]) {
      const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
      pool.on("error", () => {});
      pools.push(pool);
      const adapter = createAdapter(pool, { tableName: name, channelPrefix: name });
      servers.push(await startParley(server, adapter));
    }
    return {
      servers: servers as [RunningServer, RunningServer],
      async stop() {
        await Promise.all(servers.map((s) => s.close()));
        await Promise.all(pools.map((p) => p.end()));
        await admin.query(`DROP TABLE IF EXISTS ${name}`);
        await admin.end();
      },
    };
  },
  { describe: await describePostgres() },
);
