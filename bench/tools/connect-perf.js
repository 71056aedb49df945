// Where a target's server CPU goes while it accepts N connections (after WARM=300), by
// `perf record -e cpu-clock` on the server process: on-CPU samples only (a wall-clock
// profile such as --cpu-prof also counts time the server waits, preempted, inside a syscall),
// every thread (V8's compiler and GC helpers too), user and kernel. JIT frames are named
// through --perf-basic-prof. Linux with perf installed; software clock, so no PMU needed.
//
//   node bench/tools/connect-perf.js [target=parley] [N=2000]
//
// Prints the CPU per connection by kind of code (each sample's innermost frame: kernel, JIT
// code, V8's compiler, GC, inline-cache handlers…) and by thread, then the top symbols. The
// data stays in bench/results/profiles/<target>.perf.data. The JS functions' names in the
// JIT rows are unreliable (V8 reuses code addresses; the perf map keeps the first name).

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTarget, stopTarget } from "../lib/processes.js";
import { closeAll } from "../loadgen/pool.js";
import { openMeasured, openWarmUp, targetScript } from "./connect-pools.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "..", "results", "profiles");
mkdirSync(OUT, { recursive: true });
const target = process.argv[2] ?? "parley";
const count = Number(process.argv[3] ?? 2000);
const script = targetScript(target);
const data = join(OUT, `${basename(script, ".js")}.perf.data`);

const ready = await startTarget({
  command: process.execPath,
  args: ["--perf-basic-prof", "--interpreted-frames-native-stack", script],
});
const warm = await openWarmUp(ready);
const perf = spawn(
  "perf",
  ["record", "-e", "cpu-clock", "-F", "4000", "-g", "-p", String(ready.child.pid), "-o", data],
  { stdio: "ignore" },
);
await new Promise((resolve) => setTimeout(resolve, 500));
const pool = await openMeasured(ready, count);
perf.kill("SIGINT");
await new Promise((resolve) => perf.once("exit", resolve));
await closeAll([...warm.clients, ...pool.clients]);
await stopTarget(ready);
// Each sample's innermost frame, by kind: where the CPU went, per connection.
const samples = spawnSync("perf", ["script", "-i", data, "-F", "tid,period,ip,sym,dso"], {
  encoding: "utf8",
  maxBuffer: 1 << 30,
}).stdout;
/** @param {string} sym @param {string} dso */
function kind(sym, dso) {
  if (dso.includes("kernel")) return "kernel (syscalls, TCP, page faults)";
  if (dso.startsWith("/tmp/perf-")) return "JIT code (Sparkplug / TurboFan output)";
  if (sym.includes("compiler::")) return "V8 TurboFan compiling";
  if (/Scaveng|Mark|Sweep|Heap::|Evacuat|Concurrent|Remembered|MemoryChunk|Compact/.test(sym))
    return "V8 GC";
  if (sym.startsWith("Builtins_") && sym.includes("IC")) return "V8 inline-cache handlers";
  if (sym.startsWith("Builtins_")) return "V8 builtins (calls, Map, literals…)";
  if (sym.startsWith("v8::")) return "V8 runtime";
  if (dso.includes("libc") || dso.includes("libstdc")) return "libc (malloc, memmove…)";
  return "Node and libuv native";
}
const kinds = new Map();
const threads = new Map();
for (const block of samples.split("\n\n")) {
  const lines = block.split("\n").filter((l) => l.trim() !== "");
  const [tid, period] = (lines[0] ?? "").trim().split(/\s+/).map(Number);
  const leaf = /^\s*[0-9a-f]+\s+(.*)\s+\((.*)\)\s*$/.exec(lines[1] ?? "");
  if (leaf === null || !Number.isFinite(period)) continue;
  const k = kind(leaf[1], leaf[2]);
  kinds.set(k, (kinds.get(k) ?? 0) + period);
  threads.set(tid, (threads.get(tid) ?? 0) + period);
}
const perConn = (ns) => (ns / 1000 / pool.clients.length).toFixed(1).padStart(7);
const total = [...kinds.values()].reduce((a, b) => a + b, 0);
console.log(
  `${target}: ${pool.clients.length} connections, ${perConn(total).trim()} µs CPU each (${data})`,
);
for (const [k, ns] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`${perConn(ns)}  ${k}`);
const mainTid = Math.min(...threads.keys());
console.log(
  `threads: ${[...threads]
    .sort((a, b) => b[1] - a[1])
    .map(([tid, ns]) => `${tid === mainTid ? "main" : tid} ${perConn(ns).trim()}`)
    .join(", ")}`,
);
const report = (args) =>
  spawnSync("perf", ["report", "-i", data, "--stdio", "--no-children", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  }).stdout;
console.log("--- top symbols (share of the samples)");
console.log(
  report(["--sort", "sym", "-g", "none"])
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .slice(0, Number(process.env.ROWS ?? 30))
    .join("\n"),
);
process.exit(0);
