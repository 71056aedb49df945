// Redis traffic of the Parley Redis adapter: PUBLISHes and payload bytes per broadcast, with
// connection state recovery off and on, and the heartbeat traffic of an idle cluster with
// the default settings. Two servers in this process, one socket each in room "r"; node A
// broadcasts to "r"; a separate client PSUBSCRIBEs to the cluster's channels and counts.
//
//   node bench/redis-cost.js [--broadcasts=2000] [--idle-seconds=5]
//
// Needs a Redis at REDIS_URL (default redis://127.0.0.1:6379) and Parley's dist/ (npm run
// build). Classic Pub/Sub, so that PSUBSCRIBE sees every message (sharded channels are not
// matched by patterns); a message costs the same bytes either way.

import { once } from "node:events";
import { createServer } from "node:http";
import { createAdapter } from "@parley/redis-adapter";
import { Server } from "@parley/server";
import { createClient } from "redis";
import { io as ioc } from "socket.io-client";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
};
const BROADCASTS = arg("broadcasts", 2000);
const IDLE_SECONDS = arg("idle-seconds", 5);
const PAYLOAD = "x".repeat(40);

async function node(key, recovery) {
  const pub = createClient({ url: REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const opts = { serveClient: false, adapter: createAdapter(pub, sub, { key, pubsub: "classic" }) };
  if (recovery) opts.connectionStateRecovery = { maxDisconnectionDuration: 60_000 };
  const io = new Server(http, opts);
  io.on("connection", (socket) => socket.join("r"));
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const client = ioc(`http://127.0.0.1:${http.address().port}`, { transports: ["websocket"] });
  await once(client, "connect");
  return {
    io,
    client,
    async close() {
      client.disconnect();
      await io.close();
      await Promise.all([pub.quit(), sub.quit()]);
    },
  };
}

/** Counts messages and payload bytes on every channel of `key`, per channel kind. */
async function meter(key) {
  const spy = createClient({ url: REDIS_URL });
  await spy.connect();
  const counts = { messages: 0, bytes: 0, byKind: {} };
  await spy.pSubscribe(
    `${key}*`,
    (message, raw) => {
      const channel = raw.toString();
      counts.messages++;
      counts.bytes += message.length;
      const kind = channel.includes("-response#")
        ? "response"
        : channel.split("#").length > 3
          ? "room"
          : "namespace";
      counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    },
    true,
  );
  return {
    counts,
    reset() {
      counts.messages = 0;
      counts.bytes = 0;
      counts.byKind = {};
    },
    close: () => spy.quit(),
  };
}

async function measure(recovery) {
  const key = `parley-cost-${process.pid}-${recovery ? "on" : "off"}`;
  const m = await meter(key);
  const a = await node(key, recovery);
  const b = await node(key, recovery);
  while ((await a.io.of("/").adapter.serverCount()) < 2)
    await new Promise((r) => setTimeout(r, 20));
  // Let joins and the room subscriptions settle, then count only the broadcasts.
  await new Promise((r) => setTimeout(r, 300));
  let received = 0;
  b.client.on("tick", () => received++);
  m.reset();
  for (let i = 0; i < BROADCASTS; i++) a.io.to("r").emit("tick", PAYLOAD);
  while (received < BROADCASTS) await new Promise((r) => setTimeout(r, 10));
  // Heartbeats sent meanwhile are on the namespace channel: leave them out.
  const perBroadcast = {
    publishes: (m.counts.byKind.room ?? 0) / BROADCASTS,
    bytes: m.counts.bytes / m.counts.messages,
  };
  await a.close();
  await b.close();
  await m.close();
  return perBroadcast;
}

async function idle() {
  const key = `parley-cost-idle-${process.pid}`;
  const m = await meter(key);
  const a = await node(key, false);
  const b = await node(key, false);
  await new Promise((r) => setTimeout(r, 500));
  m.reset();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const result = {
    messagesPerSecond: m.counts.messages / IDLE_SECONDS,
    bytesPerSecond: m.counts.bytes / IDLE_SECONDS,
  };
  await a.close();
  await b.close();
  await m.close();
  return result;
}

const off = await measure(false);
const on = await measure(true);
const hb = await idle();
console.log(`Redis traffic per broadcast to one room (${BROADCASTS} broadcasts, 40-byte payload):`);
console.log("| recovery | PUBLISH per broadcast | payload bytes per PUBLISH |");
console.log("|---|---:|---:|");
console.log(`| off | ${off.publishes.toFixed(2)} | ${off.bytes.toFixed(1)} |`);
console.log(`| on  | ${on.publishes.toFixed(2)} | ${on.bytes.toFixed(1)} |`);
console.log(
  `Idle cluster of 2 servers, 1 namespace, default heartbeats: ${hb.messagesPerSecond.toFixed(1)} ` +
    `messages/s (each delivered to the other server), ${hb.bytesPerSecond.toFixed(0)} bytes/s`,
);
process.exit(0);
