// Not a test: measures the Engine against engine.io in the same run (ratios, not thresholds).
//   node --expose-gc packages/server/test/engine/measure/measure.mjs [connections] [broadcasts]
// Bundles src/engine with esbuild first (the package's dist may not be built).
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const N = Number(process.argv[2] ?? 2000);
const BROADCASTS = Number(process.argv[3] ?? 200);
const PAYLOAD = `2["tick",${JSON.stringify("x".repeat(80))}]`;

const out = join(here, "../../../../../node_modules/.cache/parley-engine-measure.mjs");
await build({
  entryPoints: [join(here, "../../../src/engine/index.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: out,
  external: ["ws"],
  logLevel: "error",
});
const parley = await import(out);
const engineIo = require("engine.io");

function gcHeap() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers };
}

function waitFor(child, type) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m.type === type) {
        child.off("message", on);
        resolve();
      }
    };
    child.on("message", on);
  });
}

async function run(name, makeEngine) {
  // Warm-up round: compile and JIT everything (ws, http, our code) before measuring memory.
  await round(name, makeEngine, 100, 20);
  return round(name, makeEngine, N, BROADCASTS);
}

async function round(name, makeEngine, N, BROADCASTS) {
  const server = createServer();
  const { engine, broadcast } = makeEngine(server);
  const conns = [];
  engine.on("connection", (c) => conns.push(c));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  const before = gcHeap();
  const child = fork(join(here, "clients.mjs"), [String(port), String(N), String(BROADCASTS)], {
    execArgv: [],
  });
  await waitFor(child, "open");
  await new Promise((r) => setTimeout(r, 300));
  const after = gcHeap();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < BROADCASTS; i++) {
    broadcast(conns);
    if (i % 10 === 9) await new Promise((r) => setImmediate(r));
  }
  const sendMs = performance.now() - t0;
  await waitFor(child, "done");
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  child.send("exit");
  await new Promise((r) => child.once("exit", r));
  engine.close();
  await new Promise((r) => server.close(r));
  return {
    name,
    heapPerConn: Math.round((after.heap - before.heap) / N),
    externalPerConn: Math.round((after.external - before.external) / N),
    rssPerConn: Math.round((after.rss - before.rss) / N),
    sendMs: Math.round(sendMs),
    deliverMs: Math.round(totalMs),
    serverCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
}

const results = [];
results.push(
  await run("parley Engine (sendPrepared)", (server) => {
    const engine = new parley.Engine({ pingInterval: 60_000 });
    engine.attach(server);
    return {
      engine,
      broadcast(conns) {
        const msg = parley.prepareMessage([PAYLOAD]);
        for (const c of conns) c.sendPrepared(msg);
      },
    };
  }),
);
if (process.env.ONLY !== "parley")
  results.push(
    await run("engine.io 6 (send per socket)", (server) => {
      const engine = engineIo.attach(server, { path: "/socket.io/", pingInterval: 60_000 });
      return {
        engine,
        broadcast(conns) {
          for (const c of conns) c.send(PAYLOAD);
        },
      };
    }),
  );
console.log(
  `connections=${N} broadcasts=${BROADCASTS} payload=${PAYLOAD.length}B node=${process.version}`,
);
console.table(results);
const [p, e] = results;
if (e)
  console.log(
    `ratios engine.io/parley: heap/conn ${(e.heapPerConn / p.heapPerConn).toFixed(2)}x, ` +
      `server CPU ${(e.serverCpuMs / p.serverCpuMs).toFixed(2)}x, delivery ${(e.deliverMs / p.deliverMs).toFixed(2)}x`,
  );
process.exit(0);
