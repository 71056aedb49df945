// Server CPU time per echo (a `42["echo",t]` in, the handler's `socket.emit` back out), read
// from the server's own process.cpuUsage() around a paced run of echoes; targets alternate,
// each round on a fresh server, and the median round is reported. Wall-clock latency on a
// shared machine moves with everyone else's load; CPU per message is what the server itself
// controls, so this is the steadier A/B figure behind the echo p99 (also printed).
//
//   node bench/tools/echo-cpu.js [targets=parley-bun,bun] [messages=20000] [rounds=5]
//   PROF_DIR=/tmp/prof node bench/tools/echo-cpu.js parley-bun 50000 1   (with a CPU profile)
//
// A target is a name under bench/targets/ or a path; names ending in "bun" (or paths with
// BUN=1) run on the Bun binary in node_modules, the rest on this Node. 100 clients, 10k
// echoes/s offered (the bench's echo load), 3 000 warm-up echoes first.

import { appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { control, startTarget, stopTarget } from "../lib/processes.js";
import { readUint, startsWith } from "../loadgen/client.js";
import { closeAll, openMany } from "../loadgen/pool.js";
import { findBun } from "../targets/registry.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const targets = (process.argv[2] ?? "parley-bun,bun").split(",");
const messages = Number(process.argv[3] ?? 20_000);
const rounds = Number(process.argv[4] ?? 5);
const CLIENTS = 100;
const RATE = 10_000;
const WARM = Number(process.env.WARM ?? 3000);
const PREFIX = Buffer.from('42["echo",');
const bun = findBun();

/** @param {string} name */
function start(name) {
  const script = name.endsWith(".js") ? name : join(HERE, "..", "targets", `${name}.js`);
  const onBun = name.endsWith("bun") || (name.endsWith(".js") && process.env.BUN === "1");
  if (onBun && bun === undefined) throw new Error("no Bun binary in node_modules");
  const command = onBun ? /** @type {{ path: string }} */ (bun).path : process.execPath;
  // PROF_DIR=<dir>: a CPU profile of each server (Node and Bun take the same flags).
  const prof = process.env.PROF_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.PROF_DIR}`, "--cpu-prof-interval=100"]
    : [];
  return startTarget({ command, args: [...prof, ...(onBun ? [] : ["--expose-gc"]), script] });
}

/** @param {import("../lib/processes.js").RunningTarget} ready */
async function cpu(ready) {
  const { cpu } = await control(ready, "/stats");
  return cpu.user + cpu.system;
}

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `count` echoes at RATE across the clients and waits (bounded) for their replies.
 * @returns {Promise<number[]>} round trips, ms
 */
async function run(
  /** @type {any[]} */ clients,
  /** @type {{ received: number, rtts: number[] }} */ state,
  /** @type {number} */ count,
) {
  const goal = state.received + count;
  let sent = 0;
  let cursor = 0;
  const begin = performance.now();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(count, Math.floor(((performance.now() - begin) * RATE) / 1000));
      for (; sent < due; sent++) {
        const client = clients[cursor];
        cursor = (cursor + 1) % clients.length;
        client.ws.send(`42["echo",${Math.round(performance.now() * 1000)}]`);
      }
      if (sent === count) {
        clearInterval(tick);
        resolve(undefined);
      }
    }, 1);
  });
  const drain = performance.now();
  while (state.received < goal && performance.now() - drain < 5000) await sleep(5);
}

/** @type {Record<string, { cpu: number[], p99: number[] }>} */
const results = Object.fromEntries(targets.map((t) => [t, { cpu: [], p99: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const name of targets) {
    const ready = await start(name);
    // GC_LOG=<file>: the server's stderr (e.g. Bun's BUN_JSC_logGC=1 collection log) to a file.
    const gcLog = process.env.GC_LOG;
    const t0 = performance.now();
    const stamp = () => `[echo-cpu ${(performance.now() - t0).toFixed(0)} ms]\n`;
    if (gcLog !== undefined) {
      ready.child.stderr?.on("data", (chunk) => appendFileSync(gcLog, stamp() + chunk));
    }
    const mark = (/** @type {string} */ what) => {
      if (gcLog !== undefined) appendFileSync(gcLog, `${stamp()}--- ${what}\n`);
    };
    const state = { received: 0, rtts: /** @type {number[]} */ ([]), recording: false };
    const pool = await openMany({
      urls: [`ws://127.0.0.1:${ready.port}/socket.io/?EIO=4&transport=websocket`],
      count: CLIENTS,
      concurrency: 50,
      timeoutMs: 30_000,
      deadlineMs: 60_000,
      onEvent: (_client, data) => {
        if (!startsWith(data, PREFIX)) return;
        state.received++;
        if (state.recording) {
          state.rtts.push((performance.now() * 1000 - readUint(data, PREFIX.length)) / 1000);
        }
      },
    });
    mark("connected");
    await run(pool.clients, state, WARM);
    mark("warm");
    const before = await cpu(ready);
    state.recording = true;
    await run(pool.clients, state, messages);
    state.recording = false;
    mark("measured");
    const after = await cpu(ready);
    const rtts = state.rtts.sort((a, b) => a - b);
    results[name]?.cpu.push((after - before) / messages);
    results[name]?.p99.push(rtts[Math.floor(rtts.length * 0.99)] ?? Number.NaN);
    await closeAll(pool.clients);
    await stopTarget(ready);
  }
}
const median = (/** @type {number[]} */ xs) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
for (const name of targets) {
  const { cpu: c, p99 } = /** @type {{ cpu: number[], p99: number[] }} */ (results[name]);
  console.log(
    `${name.padEnd(12)} median ${median(c).toFixed(1)} µs CPU/echo (rounds: ${c.map((x) => x.toFixed(1)).join(" ")}); ` +
      `p99 median ${median(p99).toFixed(2)} ms (${p99.map((x) => x.toFixed(2)).join(" ")})`,
  );
}
process.exit(0);
