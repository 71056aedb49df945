// Server CPU per connection by thread (main, V8's compiler and GC helpers, libuv's pool), from
// /proc/<pid>/task/*/stat around N connections opened after a warm-up, as connect-cpu.js. Shows
// how much of a cold server's cost is JIT and GC work off the main thread.
//
//   node bench/tools/thread-cpu.js [target=parley] [N=2000]     (WARM=n, default 300; Linux)

import { readdirSync, readFileSync } from "node:fs";
import { startTarget, stopTarget } from "../lib/processes.js";
import { closeAll } from "../loadgen/pool.js";
import { openMeasured, openWarmUp, targetScript } from "./connect-pools.js";

const target = process.argv[2] ?? "parley";
const count = Number(process.argv[3] ?? 2000);
const TICK_US = 10_000; // USER_HZ 100

/** @returns {Map<string, {user: number, system: number}>} µs by thread name */
function threads(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue;
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const key = `${name}#${tid === String(pid) ? "main" : tid}`;
    out.set(key, { user: Number(fields[11]) * TICK_US, system: Number(fields[12]) * TICK_US });
  }
  return out;
}

const script = targetScript(target);
const ready = await startTarget({ command: process.execPath, args: [script] });
const pid = ready.child.pid;
const warm = await openWarmUp(ready);
const before = threads(pid);
const pool = await openMeasured(ready, count);
const after = threads(pid);
const n = pool.clients.length;
let total = 0;
for (const [key, a] of after) {
  const b = before.get(key) ?? { user: 0, system: 0 };
  const user = (a.user - b.user) / n;
  const system = (a.system - b.system) / n;
  total += user + system;
  if (user + system > 0)
    console.log(
      `${key.padEnd(28)} user ${user.toFixed(0).padStart(4)}  system ${system.toFixed(0).padStart(4)} µs/conn`,
    );
}
console.log(
  `${target}: total ${total.toFixed(0)} µs/conn (clock ticks of 10 ms: ±${((2 * TICK_US) / n).toFixed(0)} per row)`,
);
await closeAll([...warm.clients, ...pool.clients]);
await stopTarget(ready);
process.exit(0);
