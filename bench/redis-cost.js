// Redis traffic per broadcast: Parley's Redis adapter with connection state recovery off, on
// (in each server's memory) and durable (in Redis), next to socket.io with
// @socket.io/redis-streams-adapter (which keeps its history in a Redis stream too), in the
// same run; then the heartbeat traffic of an idle Parley cluster with the default settings.
//
// Each configuration, in three shapes (2 servers with a member of room "r" on each; 4
// servers with the member on one; 2 servers and a namespace-wide io.emit): servers in this
// process, one socket.io-client each; server A broadcasts BROADCASTS events (40-byte payload);
// we wait for every member to have them all. Redis is a private redis-server on a free port started by
// this script, so its INFO counters are this run's alone: commands processed per broadcast
// (INFO commandstats: commands run inside Lua scripts are counted as well, and the script
// calls themselves are shown apart), and network bytes in and out per broadcast (INFO stats). Heartbeats that
// fall in the window are counted (a few per second: under 1% here).
//
//   node bench/redis-cost.js [--broadcasts=2000] [--idle-seconds=5]
//
// Needs `redis-server` on PATH and Parley's dist/ (npm run build).

import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer as createHttp } from "node:http";
import { createServer as createNet } from "node:net";
import { createAdapter } from "@parley/redis-adapter";
import { Server } from "@parley/server";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { Server as SocketIoServer } from "socket.io";
import { io as ioc } from "socket.io-client";

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
};
const BROADCASTS = arg("broadcasts", 2000);
const IDLE_SECONDS = arg("idle-seconds", 5);
const PAYLOAD = "x".repeat(40);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  const srv = createNet().listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const c = createClient({ url, socket: { reconnectStrategy: false } });
    c.on("error", () => {});
    try {
      await c.connect();
      return { url, admin: c, stop: () => child.kill("SIGKILL") };
    } catch {
      await sleep(50);
    }
  }
  throw new Error("redis-server did not start");
}

/** Commands processed (by name), clients' commands, and network bytes, from INFO. */
async function counters(admin) {
  const stats = await admin.info("stats");
  const cmds = await admin.info("commandstats");
  const num = (text, field) => Number(new RegExp(`^${field}:(\\d+)`, "m").exec(text)?.[1] ?? 0);
  const byCommand = {};
  for (const m of cmds.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) byCommand[m[1]] = Number(m[2]);
  return {
    in: num(stats, "total_net_input_bytes"),
    out: num(stats, "total_net_output_bytes"),
    processed: num(stats, "total_commands_processed"),
    byCommand,
  };
}

function diff(after, before) {
  const byCommand = {};
  for (const [k, v] of Object.entries(after.byCommand)) {
    const d = v - (before.byCommand[k] ?? 0);
    if (d > 0) byCommand[k] = d;
  }
  return {
    in: after.in - before.in,
    out: after.out - before.out,
    processed: after.processed - before.processed,
    byCommand,
  };
}

async function parleyNode(url, key, mode, member = true) {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createHttp();
  const opts = {
    serveClient: false,
    adapter: createAdapter(pub, sub, { key, durableSessions: mode === "durable" }),
  };
  if (mode !== "off") opts.connectionStateRecovery = { maxDisconnectionDuration: 60_000 };
  const io = new Server(http, opts);
  return finishNode(
    io,
    http,
    async () => {
      await io.close();
      await Promise.all([pub.quit(), sub.quit()]);
    },
    member,
  );
}

async function streamsNode(url, key, member = true) {
  const client = createClient({ url });
  await client.connect();
  const http = createHttp();
  const io = new SocketIoServer(http, {
    adapter: createStreamsAdapter(client, { streamName: `${key}-stream` }),
    connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
  });
  return finishNode(
    io,
    http,
    async () => {
      io.close();
      await client.quit();
    },
    member,
  );
}

async function finishNode(io, http, close, member) {
  io.on("connection", (socket) => {
    if (member) socket.join("r");
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const client = ioc(`http://127.0.0.1:${http.address().port}`, { transports: ["websocket"] });
  await once(client, "connect");
  return {
    io,
    client,
    async close() {
      client.disconnect();
      await close();
    },
  };
}

let runs = 0;

/**
 * `servers` servers on one key, server 0 broadcasting to room "r"; `members` of them (the
 * last ones) have a client in "r", the others have a client in no room.
 */
async function measure(redis, label, make, servers = 2, members = 2, toRoom = true) {
  // Short and of one length for every configuration: keys and channel names are bytes too.
  const key = `k${String(runs++).padStart(2, "0")}`;
  const nodes = [];
  for (let i = 0; i < servers; i++) nodes.push(await make(redis.url, key, i >= servers - members));
  // Let heartbeats, joins and room subscriptions settle, then count only the broadcasts.
  await sleep(500);
  let received = 0;
  for (const n of nodes) n.client.on("tick", () => received++);
  const before = await counters(redis.admin);
  const [a] = nodes;
  for (let i = 0; i < BROADCASTS; i++) {
    if (toRoom) a.io.to("r").emit("tick", PAYLOAD);
    else a.io.emit("tick", PAYLOAD);
  }
  while (received < members * BROADCASTS) await sleep(5);
  const d = diff(await counters(redis.admin), before);
  for (const n of nodes) await n.close();
  // The INFO calls themselves (two) are not the adapter's.
  d.processed -= 2;
  if (d.byCommand.info !== undefined) d.byCommand.info -= 2;
  const commands = Object.entries(d.byCommand)
    .filter(([k, v]) => k !== "info" && v / BROADCASTS >= 0.005)
    .sort(([, x], [, y]) => y - x)
    .map(([k, v]) => `${k} ${(v / BROADCASTS).toFixed(2)}`)
    .join(", ");
  return {
    label,
    processed: d.processed / BROADCASTS,
    scripts: ((d.byCommand.evalsha ?? 0) + (d.byCommand.eval ?? 0)) / BROADCASTS,
    in: d.in / BROADCASTS,
    out: d.out / BROADCASTS,
    commands,
  };
}

async function idle(redis) {
  const a = await parleyNode(redis.url, "cost-idle", "off");
  const b = await parleyNode(redis.url, "cost-idle", "off");
  await sleep(500);
  const before = await counters(redis.admin);
  await sleep(IDLE_SECONDS * 1000);
  const d = diff(await counters(redis.admin), before);
  await a.close();
  await b.close();
  return {
    perSecond: (d.byCommand.publish ?? d.byCommand.spublish ?? 0) / IDLE_SECONDS,
    out: d.out / IDLE_SECONDS,
  };
}

const redis = await startRedis();
try {
  const configs = [
    ["Parley, recovery off", (u, k, m) => parleyNode(u, k, "off", m)],
    ["Parley, recovery in memory", (u, k, m) => parleyNode(u, k, "memory", m)],
    ["Parley, durable sessions", (u, k, m) => parleyNode(u, k, "durable", m)],
    ["socket.io + redis-streams-adapter", streamsNode],
  ];
  const shapes = [
    [2, 2, "2 servers, a member of the room on each"],
    [4, 1, "4 servers, the room's member on one of them (not the broadcaster)"],
    [2, 2, "2 servers, a client on each, broadcast to the whole namespace (io.emit)", false],
  ];
  const tables = [];
  for (const [servers, members, title, toRoom = true] of shapes) {
    const rows = [];
    for (const [label, make] of configs)
      rows.push(await measure(redis, label, make, servers, members, toRoom));
    tables.push({ title, rows });
  }
  const hb = await idle(redis);
  console.log(
    `Redis cost per broadcast to one room (${BROADCASTS} broadcasts, 40-byte payload; private ` +
      "redis-server, INFO counters; commands run inside scripts are counted by name too):",
  );
  for (const { title, rows } of tables) {
    console.log(`\n${title}:\n`);
    console.log(
      "| configuration | commands run by Redis | of which script calls | bytes into Redis | bytes out of Redis | commands per broadcast |",
    );
    console.log("|---|---:|---:|---:|---:|---|");
    for (const r of rows) {
      console.log(
        `| ${r.label} | ${r.processed.toFixed(2)} | ${r.scripts.toFixed(2)} | ${r.in.toFixed(0)} | ${r.out.toFixed(0)} | ${r.commands} |`,
      );
    }
  }
  console.log(
    `Idle Parley cluster of 2 servers, 1 namespace, default heartbeats: ${hb.perSecond.toFixed(1)} ` +
      `PUBLISH/s, ${hb.out.toFixed(0)} bytes/s out of Redis`,
  );
} finally {
  await redis.admin.quit().catch(() => {});
  redis.stop();
}
process.exit(0);
