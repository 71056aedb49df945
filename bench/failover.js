// Failover under kill -9 (issue 14's acceptance, measured instead of asserted): three Parley
// servers on one Redis with the Redis adapter's durable sessions and connection state
// recovery, N clients (half socket.io-client, half Parley's) on one of them behind a TCP
// balancer, every server broadcasting a numbered stream. The victim gets SIGKILL; its clients
// reconnect through the balancer to the survivors. Reported:
//   - per client, reconnect attempt → connected (p50/p95/max), and kill → connected;
//   - recovered or not, packets lost / duplicated per stream (the survivors' streams must be
//     whole; the victim's up to the last number it got into Redis before dying);
//   - kill → each survivor's adapter declaring the victim dead (`server-down`, heartbeat
//     liveness at its defaults: 400 ms interval, 1200 ms timeout).
//
//   node bench/failover.js [--clients=50] [--servers=3] [--stream-ms=20] [--runs=1] [--json]
//
// Needs a Redis at REDIS_URL (default redis://127.0.0.1:6379) and Parley's dist/ (npm run
// build). Everything listens on 127.0.0.1; keys are under a prefix of this run's own, deleted
// at the end; every child process is killed on exit, and every wait is bounded.

import { fork } from "node:child_process";
import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, connect as tcpConnect } from "node:net";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const SELF = fileURLToPath(import.meta.url);
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** Each child's wall clock, comparable across processes on this machine (sub-millisecond). */
const now = () => performance.timeOrigin + performance.now();

// ---- server node (child process) ----

async function serveNode() {
  const { createClient } = await import("redis");
  const { Server } = await import("@parley/server");
  const { createAdapter } = await import("@parley/redis-adapter");
  const name = process.env.NODE_NAME ?? "node";
  const pub = createClient({ url: REDIS_URL });
  pub.on("error", () => {});
  const sub = pub.duplicate();
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createHttpServer();
  const io = new Server(http, {
    serveClient: false,
    connectionStateRecovery: { maxDisconnectionDuration: 30_000 },
    // Default heartbeat and restoreTimeout: what a user gets.
    adapter: createAdapter(pub, sub, { key: process.env.BENCH_KEY, durableSessions: true }),
  });
  const adapter = io.of("/").adapter;
  adapter.on("server-down", (uid) => process.send?.({ down: uid, at: now() }));
  io.on("connection", (socket) => {
    if (!socket.recovered) socket.emit("node", name);
  });
  let seq = 0;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let stream;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  process.on("message", async (/** @type {{ cmd: string }} */ msg) => {
    if (msg.cmd === "count") process.send?.({ count: await adapter.serverCount() });
    else if (msg.cmd === "mark") {
      lag.reset();
      lag.enable();
    } else if (msg.cmd === "stream") {
      stream = setInterval(() => io.emit("seq", name, seq++), Number(process.env.STREAM_MS));
    } else if (msg.cmd === "stop") {
      clearInterval(stream);
      lag.disable();
      process.send?.({ last: seq - 1, lag: { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 } });
    } else if (msg.cmd === "sockets") process.send?.({ sockets: io.of("/").sockets.size });
  });
  http.listen(0, "127.0.0.1", () => {
    const address = http.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    process.send?.({ port, uid: adapter.uid });
  });
}

// ---- balancer (child process) ----

/**
 * A TCP balancer in front of the servers, as a load balancer with health checks would be:
 * every connection goes to the first backend (the victim) while it accepts connections; one
 * that refuses is down from then on, and connections go round robin to the others.
 */
async function serveBalancer() {
  const ports = String(process.env.BACKENDS).split(",").map(Number);
  const down = new Set();
  let next = 0;
  const pick = () => {
    if (!down.has(0)) return 0;
    for (let i = 0; i < ports.length; i++) {
      const candidate = next++ % ports.length;
      if (!down.has(candidate)) return candidate;
    }
    return -1;
  };
  const server = createTcpServer((client) => {
    client.pause();
    client.on("error", () => {});
    const attempt = (tries) => {
      const i = pick();
      if (i < 0 || tries > ports.length) return client.destroy();
      const upstream = tcpConnect(ports[i], "127.0.0.1");
      let connected = false;
      upstream.once("connect", () => {
        connected = true;
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.on("error", () => {
        if (connected) return client.destroy();
        down.add(i);
        attempt(tries + 1);
      });
      upstream.on("close", () => connected && client.destroy());
      client.on("close", () => upstream.destroy());
    };
    attempt(0);
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.({ port: typeof address === "object" && address !== null ? address.port : 0 });
  });
}

// ---- driver ----

/** @param {import("node:child_process").ChildProcess} child @param {(m: any) => boolean} match */
async function reply(child, match, ms = 10_000) {
  const signal = AbortSignal.timeout(ms);
  for (;;) {
    const [msg] = await once(child, "message", { signal });
    if (match(msg)) return msg;
  }
}

/** Polls `predicate` every 20 ms; throws naming `what` after `ms`. */
async function waitFor(predicate, what, ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out (${ms} ms) waiting for ${what}`);
}

/** @param {number[]} sorted @param {number} q */
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Lost: numbers of `first..last` never received; duplicated: receptions past the first. */
function audit(got, first, last) {
  const seen = new Map();
  for (const n of got) seen.set(n, (seen.get(n) ?? 0) + 1);
  let lost = 0;
  let duplicated = 0;
  for (let n = first; n <= last; n++) if (!seen.has(n)) lost++;
  for (const count of seen.values()) duplicated += count - 1;
  return { lost, duplicated };
}

/** The victim's highest stream number in the durable stream (what recovery can give back). */
async function lastStored(redis, key, victim) {
  const { decode } = await import("@parley/redis-adapter");
  const entries = await redis.sendCommand(["XRANGE", `${key}-durable#{/}#stream`, "-", "+"], {
    typeMapping: { 36: Buffer },
  });
  let last = -1;
  for (const [, fields] of entries) {
    const stored = decode(fields[1]);
    const data = Array.isArray(stored) ? stored[3] : stored?.packet?.data;
    if (Array.isArray(data) && data[0] === "seq" && data[1] === victim) {
      last = Math.max(last, Number(data[2]));
    }
  }
  return last;
}

async function runOnce({ clients, servers, streamMs }) {
  const { createClient } = await import("redis");
  const { io: officialIo } = await import("socket.io-client");
  const { io: parleyIo } = await import("@parley/client");
  const key = `parley-bench-failover-${process.pid}-${Date.now().toString(36)}`;
  const names = Array.from({ length: servers }, (_, i) => (i === 0 ? "victim" : `survivor${i}`));
  /** @type {import("node:child_process").ChildProcess[]} */
  const children = [];
  /** @type {any[]} */
  const sockets = [];
  const redis = createClient({ url: REDIS_URL });
  redis.on("error", () => {});
  await redis.connect();
  try {
    const nodes = [];
    for (const name of names) {
      const child = fork(SELF, ["--node"], {
        env: { ...process.env, BENCH_KEY: key, NODE_NAME: name, STREAM_MS: String(streamMs) },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.push(child);
      const { port, uid } = await reply(child, (m) => m.port !== undefined);
      const downs = [];
      child.on("message", (m) => m.down !== undefined && downs.push(m));
      nodes.push({ name, child, port, uid, downs });
    }
    const [victim, ...survivors] = nodes;
    const count = async (node) => {
      node.child.send({ cmd: "count" });
      return (await reply(node.child, (m) => m.count !== undefined)).count;
    };
    for (const node of nodes) {
      await waitFor(async () => (await count(node)) === servers, `${node.name} to see all`, 15_000);
    }
    const balancer = fork(SELF, ["--balancer"], {
      env: { ...process.env, BACKENDS: nodes.map((n) => n.port).join(",") },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.push(balancer);
    const { port } = await reply(balancer, (m) => m.port !== undefined);
    const url = `http://127.0.0.1:${port}`;

    const tracked = await Promise.all(
      Array.from({ length: clients }, (_, i) => {
        const kind = i % 2 === 0 ? "official" : "parley";
        const socket = (kind === "official" ? officialIo : parleyIo)(url, {
          forceNew: true,
          transports: ["websocket"],
        });
        sockets.push(socket);
        const t = {
          kind,
          socket,
          first: "",
          attempts: 0,
          attemptAt: 0,
          openAt: 0,
          connectedAt: 0,
          connects: 0,
          got: {},
        };
        for (const name of names) t.got[name] = [];
        socket.io.on("reconnect_attempt", () => {
          t.attempts++;
          t.attemptAt = now();
        });
        // The engine's handshake done: what follows until "connect" is the session's restore.
        socket.io.on("open", () => {
          t.openAt = now();
        });
        socket.on("connect", () => {
          t.connectedAt = now();
          t.connects++;
        });
        socket.on("seq", (from, n) => t.got[from]?.push(n));
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("a client did not connect")), 15_000);
          socket.once("node", (name) => {
            clearTimeout(timer);
            t.first = name;
            resolve(t);
          });
        });
      }),
    );
    if (tracked.some((t) => t.first !== victim.name)) throw new Error("a client missed the victim");
    for (const node of nodes) node.child.send({ cmd: "stream" });
    await waitFor(
      () => tracked.every((t) => names.every((n) => t.got[n].length > 5)),
      "every stream at every client",
      15_000,
    );

    // The driver hosts every client: its event loop's delay is part of what it measures.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    for (const s of survivors) s.child.send({ cmd: "mark" });
    const killedAt = now();
    victim.child.kill("SIGKILL");
    await once(victim.child, "exit");
    await waitFor(() => tracked.every((t) => t.connects >= 2), "every client back", 20_000);
    await waitFor(
      () => survivors.every((s) => s.downs.some((d) => d.down === victim.uid)),
      "the survivors to declare the victim dead",
      10_000,
    );
    // The survivors' streams flow a little on the new connections, then stop.
    await new Promise((r) => setTimeout(r, 500));
    const lasts = {};
    const survivorLag = {};
    for (const s of survivors) {
      s.child.send({ cmd: "stop" });
      const stopped = await reply(s.child, (m) => m.last !== undefined);
      lasts[s.name] = stopped.last;
      survivorLag[s.name] = stopped.lag;
    }
    await waitFor(
      () => tracked.every((t) => survivors.every((s) => t.got[s.name].at(-1) === lasts[s.name])),
      "the survivors' last numbers everywhere",
      10_000,
    ).catch(() => {}); // what is missing is counted as lost below
    lag.disable();
    lasts[victim.name] = await lastStored(redis, key, victim.name);

    const detections = survivors.map((s) => {
      const first = s.downs.find((d) => d.down === victim.uid);
      return { name: s.name, ms: first.at - killedAt };
    });
    const declaredAt = killedAt + Math.min(...detections.map((d) => d.ms));
    const rows = tracked.map((t) => {
      const streams = names.map((name) => {
        const got = t.got[name];
        return audit(got, got[0] ?? 0, lasts[name]);
      });
      return {
        kind: t.kind,
        reconnect: t.connectedAt - t.attemptAt,
        restore: t.connectedAt - t.openAt,
        sinceKill: t.connectedAt - killedAt,
        recovered: t.socket.recovered === true,
        attempts: t.attempts,
        // Before the victim is declared dead, a restore first asks it (restoreTimeout, 500 ms).
        beforeDeclared: t.attemptAt < declaredAt,
        lost: streams.reduce((sum, s) => sum + s.lost, 0),
        duplicated: streams.reduce((sum, s) => sum + s.duplicated, 0),
      };
    });
    const driverLag = { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
    return { rows, detections, victimStored: lasts[victim.name], driverLag, survivorLag };
  } finally {
    for (const s of sockets) s.disconnect();
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    for await (const found of redis.scanIterator({ MATCH: `${key}*`, COUNT: 100 })) {
      const keys = Array.isArray(found) ? found : [found];
      if (keys.length > 0) await redis.del(keys);
    }
    await redis.close();
  }
}

function summarize({ rows, detections, driverLag, survivorLag }) {
  const ms = (v) => `${v.toFixed(0)} ms`;
  const stats = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `p50 ${ms(quantile(sorted, 0.5))}, p95 ${ms(quantile(sorted, 0.95))}, max ${ms(sorted.at(-1))}`;
  };
  const lines = [];
  for (const kind of ["official", "parley", "all"]) {
    const mine = rows.filter((r) => kind === "all" || r.kind === kind);
    lines.push(
      `  ${kind.padEnd(8)} (${mine.length}): attempt → connected ${stats(mine.map((r) => r.reconnect))}` +
        `; kill → connected ${stats(mine.map((r) => r.sinceKill))}` +
        `; recovered ${mine.filter((r) => r.recovered).length}/${mine.length}` +
        `; lost ${mine.reduce((s, r) => s + r.lost, 0)}, duplicated ${mine.reduce((s, r) => s + r.duplicated, 0)}`,
    );
  }
  lines.push(
    `  of which engine open → connected (the restore): ${stats(rows.map((r) => r.restore))}`,
  );
  for (const before of [true, false]) {
    const mine = rows.filter((r) => r.beforeDeclared === before);
    if (mine.length === 0) continue;
    lines.push(
      `  attempt ${before ? "before" : "after "} the victim was declared dead (${mine.length}): ` +
        `attempt → connected ${stats(mine.map((r) => r.reconnect))}`,
    );
  }
  const retried = rows.filter((r) => r.attempts > 1).length;
  lines.push(`  clients that needed more than one reconnect attempt: ${retried}`);
  lines.push(
    `  kill → declared dead: ${detections.map((d) => `${d.name} ${ms(d.ms)}`).join(", ")}`,
  );
  lines.push(
    `  the driver's (clients') event loop delay after the kill: p99 ${ms(driverLag.p99)}, max ${ms(driverLag.max)}`,
  );
  for (const [name, l] of Object.entries(survivorLag)) {
    lines.push(`  ${name}'s event loop delay after the kill: p99 ${ms(l.p99)}, max ${ms(l.max)}`);
  }
  return lines.join("\n");
}

async function main() {
  const arg = (name, fallback) => {
    const found = process.argv.find((a) => a.startsWith(`--${name}=`));
    return found === undefined ? fallback : Number(found.slice(name.length + 3));
  };
  const options = {
    clients: arg("clients", 50),
    servers: Math.max(2, arg("servers", 3)),
    streamMs: arg("stream-ms", 20),
  };
  const runs = arg("runs", 1);
  const results = [];
  // Bounded: a run that hangs is cut off.
  const deadline = setTimeout(() => {
    console.error("failover bench: over 3 minutes per run, giving up");
    process.exit(2);
  }, runs * 180_000);
  for (let i = 0; i < runs; i++) {
    const result = await runOnce(options);
    results.push(result);
    if (!process.argv.includes("--json")) {
      console.log(
        `run ${i + 1}/${runs}: ${options.clients} clients, ${options.servers} servers, ` +
          `stream every ${options.streamMs} ms per server\n${summarize(result)}`,
      );
    }
  }
  clearTimeout(deadline);
  if (process.argv.includes("--json")) console.log(JSON.stringify(results));
  // Client timers (reconnection backoff of closed managers) would keep the process a while.
  process.exit(0);
}

if (process.argv.includes("--node")) await serveNode();
else if (process.argv.includes("--balancer")) await serveBalancer();
else await main();
