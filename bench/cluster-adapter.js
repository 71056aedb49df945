// Cross-node broadcast through Redis: Parley's Redis adapter against @socket.io/redis-adapter
// on socket.io, in the same run. Two server processes per target share one Redis; N raw
// Engine.IO WebSocket clients are split across them; node A broadcasts to everyone, and the
// deliveries counted on node B's clients have all crossed Redis.
//
//   node bench/cluster-adapter.js [--clients=200] [--seconds=5] [--window=32]
//                                 [--targets=parley,socketio]
//
// Needs a Redis at REDIS_URL (default redis://127.0.0.1:6379) and Parley's dist/ (npm run
// build). Importable: `import { run } from "./cluster-adapter.js"` resolves to the results.
// Flow control is closed-loop: node A is asked for more broadcasts only while fewer than
// `window` are still on their way to node B's clients, so no queue grows without bound.

import { fork } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const SELF = fileURLToPath(import.meta.url);
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PAYLOAD = "x".repeat(40);

// ---- server node (child process) ----

/** @param {"parley" | "socketio"} target */
async function serveNode(target) {
  const { createClient } = await import("redis");
  const pub = createClient({ url: REDIS_URL });
  pub.on("error", () => {});
  const sub = pub.duplicate();
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const key = process.env.BENCH_KEY ?? "parley-bench";
  const http = createServer();
  /** @type {{ emit(ev: string, ...args: unknown[]): unknown, of(nsp: string): { adapter: { serverCount(): Promise<number> } } }} */
  let io;
  if (target === "parley") {
    const { Server } = await import("@parley/server");
    const { createAdapter } = await import("@parley/redis-adapter");
    io = new Server(http, { serveClient: false, adapter: createAdapter(pub, sub, { key }) });
  } else {
    const { Server } = await import("socket.io");
    const { createAdapter } = await import("@socket.io/redis-adapter");
    io = new Server(http, { serveClient: false, adapter: createAdapter(pub, sub, { key }) });
  }
  http.listen(0, "127.0.0.1", () => {
    const address = http.address();
    process.send?.({ port: typeof address === "object" && address !== null ? address.port : 0 });
  });
  process.on("message", async (/** @type {{ cmd: string, n?: number }} */ msg) => {
    if (msg.cmd === "count") {
      process.send?.({ count: await io.of("/").adapter.serverCount() });
    } else if (msg.cmd === "burst") {
      for (let i = 0; i < (msg.n ?? 1); i++) io.emit("tick", PAYLOAD);
    }
  });
}

// ---- driver ----

/**
 * @param {"parley" | "socketio"} target
 * @param {string} key
 */
async function startNode(target, key) {
  const child = fork(SELF, ["--node", target], {
    env: { ...process.env, BENCH_KEY: key },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [msg] = /** @type {[{ port: number }]} */ (await once(child, "message"));
  return { child, port: msg.port };
}

/** @param {import("node:child_process").ChildProcess} child */
async function serverCount(child) {
  child.send({ cmd: "count" });
  for (;;) {
    const [msg] = /** @type {[{ count?: number }]} */ (await once(child, "message"));
    if (msg.count !== undefined) return msg.count;
  }
}

/**
 * A raw Engine.IO v4 WebSocket client joined to "/": counts EVENT packets, answers pings.
 * @param {number} port
 */
function rawClient(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
    perMessageDeflate: false,
  });
  const client = { ws, events: 0, joined: false };
  return new Promise((resolve, reject) => {
    ws.on("error", reject);
    ws.on("message", (/** @type {Buffer} */ data) => {
      // "42[..." is a Socket.IO EVENT; "2" an Engine.IO ping; "0{...}" the handshake.
      if (data[0] === 0x34 && data[1] === 0x32) client.events++;
      else if (data.length === 1 && data[0] === 0x32) ws.send("3");
      else if (data[0] === 0x30) ws.send("40");
      else if (data[0] === 0x34 && data[1] === 0x30 && !client.joined) {
        client.joined = true;
        resolve(client);
      }
    });
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {"parley" | "socketio"} target
 * @param {{ clients: number, seconds: number, window: number, warmupMs: number }} opts
 */
async function measure(target, opts) {
  const key = `bench-cluster-${target}-${process.pid}-${Date.now()}`;
  const a = await startNode(target, key);
  const b = await startNode(target, key);
  /** @type {{ ws: WebSocket, events: number }[]} */
  const clients = [];
  try {
    for (
      let i = 0;
      i < 100 && ((await serverCount(a.child)) < 2 || (await serverCount(b.child)) < 2);
      i++
    ) {
      await sleep(100);
    }
    for (let i = 0; i < opts.clients; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(opts.clients, i + 50); j++) {
        batch.push(rawClient(j % 2 === 0 ? a.port : b.port));
      }
      clients.push(
        .../** @type {{ ws: WebSocket, events: number }[]} */ (await Promise.all(batch)),
      );
    }
    const onA = clients.filter((_, i) => i % 2 === 0);
    const onB = clients.filter((_, i) => i % 2 === 1);
    const sum = (/** @type {{ events: number }[]} */ list) =>
      list.reduce((n, c) => n + c.events, 0);

    let emitted = 0;
    /** Broadcasts every one of B's clients has received. */
    const doneOnB = () => Math.floor(sum(onB) / onB.length);
    let running = true;
    const pump = (async () => {
      while (running) {
        const inFlight = emitted - doneOnB();
        if (inFlight < opts.window) {
          const n = opts.window - inFlight;
          a.child.send({ cmd: "burst", n });
          emitted += n;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();

    await sleep(opts.warmupMs);
    const startA = sum(onA);
    const startB = sum(onB);
    const t0 = performance.now();
    await sleep(opts.seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const crossNode = (sum(onB) - startB) / elapsed;
    const local = (sum(onA) - startA) / elapsed;
    running = false;
    await pump;
    return {
      target,
      clients: opts.clients,
      crossNodePerSec: Math.round(crossNode),
      totalPerSec: Math.round(crossNode + local),
      broadcastsPerSec: Math.round(crossNode / onB.length),
    };
  } finally {
    for (const c of clients) c.ws.terminate();
    a.child.kill("SIGKILL");
    b.child.kill("SIGKILL");
  }
}

/**
 * Runs the comparison and returns one row per target (deliveries per second).
 * @param {{ clients?: number, seconds?: number, window?: number, warmupMs?: number, targets?: ("parley" | "socketio")[], print?: boolean }} [options]
 */
export async function run(options = {}) {
  const opts = {
    clients: options.clients ?? 200,
    seconds: options.seconds ?? 5,
    window: options.window ?? 32,
    warmupMs: options.warmupMs ?? 1000,
  };
  const targets = options.targets ?? ["socketio", "parley"];
  const rows = [];
  for (const target of targets) rows.push(await measure(target, opts));
  const base = rows.find((r) => r.target === "socketio");
  const results = rows.map((r) => ({
    ...r,
    ratio:
      base === undefined
        ? undefined
        : Number((r.crossNodePerSec / base.crossNodePerSec).toFixed(2)),
  }));
  if (options.print !== false) printTable(results, opts);
  return results;
}

/**
 * @param {{ target: string, crossNodePerSec: number, totalPerSec: number, broadcastsPerSec: number, ratio: number | undefined }[]} rows
 * @param {{ clients: number, seconds: number, window: number }} opts
 */
function printTable(rows, opts) {
  const header = [
    "target",
    "cross-node deliveries/s",
    "all deliveries/s",
    "broadcasts/s",
    "vs socket.io",
  ];
  const lines = rows.map((r) => [
    r.target === "parley"
      ? "parley + @parley/redis-adapter"
      : "socket.io + @socket.io/redis-adapter",
    r.crossNodePerSec.toLocaleString("en-US"),
    r.totalPerSec.toLocaleString("en-US"),
    r.broadcastsPerSec.toLocaleString("en-US"),
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (/** @type {string[]} */ cells) =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(
    `\nCross-node broadcast over Redis (${REDIS_URL}): 2 nodes, ${opts.clients} clients split across them, ` +
      `${opts.seconds}s measured, window ${opts.window}`,
  );
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}

// ---- entry ----

const argv = process.argv.slice(2);
if (argv[0] === "--node") {
  await serveNode(/** @type {"parley" | "socketio"} */ (argv[1]));
} else if (process.argv[1] === SELF) {
  /** @param {string} name */
  const arg = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const targets = arg("targets")?.split(",");
  await run({
    clients: Number(arg("clients") ?? 200),
    seconds: Number(arg("seconds") ?? 5),
    window: Number(arg("window") ?? 32),
    ...(targets === undefined
      ? {}
      : { targets: /** @type {("parley" | "socketio")[]} */ (targets) }),
  });
  process.exit(0);
}
