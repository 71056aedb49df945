// What the session relay (no sticky sessions) costs: the latency of an echo (emit with ack)
// through a session whose requests land on the node that owns it ("direct") against one whose
// requests all land on the other node and are relayed over Redis ("relayed"), for long-polling
// and for WebSocket (the upgrade relayed too). Two server processes, one Redis; the client and
// a small balancer run in this process, and the balancer sits in front of both cases.
//
//   node bench/session-relay.js [--echoes=400] [--rounds=3] [--payload=64]
//
// Needs a Redis at REDIS_URL (default redis://127.0.0.1:6379) and Parley's dist/ (npm run
// build). Rounds are interleaved in a rotated order; each case keeps its median round.

import { fork } from "node:child_process";
import { once } from "node:events";
import { Agent, createServer, request } from "node:http";
import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const SELF = fileURLToPath(import.meta.url);
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

function arg(name, fallback) {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? fallback : Number(found.slice(name.length + 3));
}

// ---- server node (child process) ----

async function serveNode() {
  const { createClient } = await import("redis");
  const { Server } = await import("@parley/server");
  const { attachSessionRelay } = await import("@parley/redis-adapter");
  const pub = createClient({ url: REDIS_URL });
  pub.on("error", () => {});
  const sub = pub.duplicate();
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  io.on("connection", (socket) => socket.on("echo", (v, ack) => ack(v)));
  const relay = attachSessionRelay(io, {
    pubClient: pub,
    subClient: sub,
    key: process.env.BENCH_KEY,
  });
  await relay.ready;
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  while (relay.liveNodes().length < 1) await new Promise((r) => setTimeout(r, 20));
  process.send?.({ port: http.address().port, nodeId: relay.nodeId });
  process.on("message", async (msg) => {
    if (msg === "stats") process.send?.({ stats: relay.stats });
  });
  process.on("disconnect", () => process.exit(0));
}

// ---- balancer: handshakes to `owner`, everything naming a session to `target()` ----

function balancer(ports) {
  const agent = new Agent({ keepAlive: true });
  const state = { handshakeTo: 0, sessionTo: 0 };
  const server = createServer((req, res) => {
    const hasSid = req.url?.includes("sid=") ?? false;
    const port = ports[hasSid ? state.sessionTo : state.handshakeTo];
    const up = request({
      host: "127.0.0.1",
      port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    });
    up.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  server.on("upgrade", (req, client, head) => {
    const backend = connect(ports[state.sessionTo], "127.0.0.1", () => {
      let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
        lines += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      backend.write(`${lines}\r\n`);
      if (head.length > 0) backend.write(head);
      backend.pipe(client);
      client.pipe(backend);
    });
    backend.setNoDelay(true);
    backend.on("error", () => client.destroy());
    client.on("error", () => backend.destroy());
    client.on("close", () => backend.destroy());
  });
  return { server, state, agent };
}

// ---- measurement ----

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measure(url, transports, echoes, payload) {
  const { io } = await import("socket.io-client");
  const socket = io(url, {
    forceNew: true,
    reconnection: false,
    transports,
    upgrade: transports.length > 1,
  });
  await once(socket, "connect");
  if (transports.includes("websocket")) {
    while (socket.io.engine.transport.name !== "websocket")
      await new Promise((r) => setTimeout(r, 10));
  }
  const body = "x".repeat(payload);
  for (let i = 0; i < 30; i++) await socket.emitWithAck("echo", body); // warm-up
  const times = [];
  for (let i = 0; i < echoes; i++) {
    const t0 = performance.now();
    await socket.emitWithAck("echo", body);
    times.push(performance.now() - t0);
  }
  socket.disconnect();
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { p50: quantile(times, 0.5), p90: quantile(times, 0.9), p99: quantile(times, 0.99), mean };
}

async function main() {
  const echoes = arg("echoes", 400);
  const rounds = arg("rounds", 3);
  const payload = arg("payload", 64);
  const env = { ...process.env, BENCH_KEY: `parley-bench-relay-${process.pid}` };
  const children = [fork(SELF, ["--node"], { env }), fork(SELF, ["--node"], { env })];
  const infos = await Promise.all(children.map((c) => once(c, "message").then(([m]) => m)));
  const ports = infos.map((i) => i.port);
  const { server, state, agent } = balancer(ports);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${server.address().port}`;
  const cases = [
    { name: "polling, direct", transports: ["polling"], relayed: false },
    { name: "polling, relayed", transports: ["polling"], relayed: true },
    { name: "websocket (upgraded), direct", transports: ["polling", "websocket"], relayed: false },
    { name: "websocket (upgraded), relayed", transports: ["polling", "websocket"], relayed: true },
  ];
  const results = new Map(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = [...cases.slice(round % cases.length), ...cases.slice(0, round % cases.length)];
    for (const c of order) {
      state.handshakeTo = 0;
      state.sessionTo = c.relayed ? 1 : 0;
      results.get(c.name).push(await measure(url, c.transports, echoes, payload));
    }
  }
  const pick = (runs) => [...runs].sort((a, b) => a.p50 - b.p50)[Math.floor(runs.length / 2)];
  const f = (ms) => ms.toFixed(2).padStart(7);
  const rows = cases.map((c) => ({ name: c.name, ...pick(results.get(c.name)) }));
  console.log(
    `\nEcho latency (ms), ${echoes} sequential echoes of ${payload} bytes, median of ${rounds} rounds\n`,
  );
  console.log(
    `| case                          |     p50 |     p90 |     p99 |    mean | p50 vs direct |`,
  );
  console.log(
    `|-------------------------------|--------:|--------:|--------:|--------:|--------------:|`,
  );
  for (const row of rows) {
    const direct = rows.find((r) => r.name === row.name.replace("relayed", "direct"));
    const ratio =
      row.name.endsWith("relayed") && direct !== undefined
        ? `${(row.p50 / direct.p50).toFixed(2)}×`
        : "";
    console.log(
      `| ${row.name.padEnd(29)} | ${f(row.p50)} | ${f(row.p90)} | ${f(row.p99)} | ${f(row.mean)} | ${ratio.padStart(13)} |`,
    );
  }
  for (const child of children) child.send("stats");
  const stats = await Promise.all(children.map((c) => once(c, "message").then(([m]) => m.stats)));
  console.log(
    `\nrelay stats: node A ${JSON.stringify(stats[0])}\n             node B ${JSON.stringify(stats[1])}`,
  );
  agent.destroy();
  server.close();
  for (const child of children) child.disconnect();
}

if (process.argv.includes("--node")) await serveNode();
else await main();
