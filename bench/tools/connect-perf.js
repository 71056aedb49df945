// Where a target's server CPU goes while it accepts N connections (after WARM=300), by
// `perf record -e cpu-clock` on the server process: on-CPU samples only (a wall-clock
// profile such as --cpu-prof also counts time the server waits, preempted, inside a syscall),
// every thread (V8's compiler and GC helpers too), user and kernel. JIT frames are named
// through --perf-basic-prof. Linux with perf installed; software clock, so no PMU needed.
//
//   node bench/tools/connect-perf.js [target=parley] [N=2000]
//
// Prints `perf report` by thread and shared object, then the top symbols; the data stays in
// bench/results/profiles/<target>.perf.data.

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTarget, stopTarget } from "../lib/processes.js";
import { closeAll, openMany } from "../loadgen/pool.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "..", "results", "profiles");
mkdirSync(OUT, { recursive: true });
const target = process.argv[2] ?? "parley";
const count = Number(process.argv[3] ?? 2000);
const script = target.endsWith(".js") ? target : join(HERE, "..", "targets", `${target}.js`);
const data = join(OUT, `${basename(script, ".js")}.perf.data`);

const ready = await startTarget({
  command: process.execPath,
  args: ["--perf-basic-prof", "--interpreted-frames-native-stack", script],
});
const url = `ws://127.0.0.1:${ready.port}/socket.io/?EIO=4&transport=websocket`;
const warm = await openMany({
  urls: [url],
  count: Number(process.env.WARM ?? 300),
  concurrency: 50,
  timeoutMs: 30_000,
  deadlineMs: 60_000,
});
const perf = spawn(
  "perf",
  ["record", "-e", "cpu-clock", "-F", "4000", "-g", "-p", String(ready.child.pid), "-o", data],
  { stdio: "ignore" },
);
await new Promise((resolve) => setTimeout(resolve, 500));
const pool = await openMany({
  urls: [url],
  count,
  concurrency: 100,
  timeoutMs: 30_000,
  deadlineMs: 120_000,
});
perf.kill("SIGINT");
await new Promise((resolve) => perf.once("exit", resolve));
await closeAll([...warm.clients, ...pool.clients]);
await stopTarget(ready);
const report = (args) =>
  spawnSync("perf", ["report", "-i", data, "--stdio", "--no-children", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  }).stdout;
console.log(`${target}: ${pool.clients.length} connections (perf data: ${data})`);
console.log(
  report(["--sort", "comm,dso", "-g", "none"])
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .slice(0, 25)
    .join("\n"),
);
console.log(
  report(["--sort", "sym", "-g", "none"])
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .slice(0, Number(process.env.ROWS ?? 40))
    .join("\n"),
);
process.exit(0);
