// Runs a target with V8 flags and keeps what it prints while it accepts N connections (after
// WARM=300 warm-up ones, as connect-cpu.js): which functions V8 optimizes and deoptimizes in
// that window, or its GC events.
//
//   FLAGS="--trace-opt --trace-deopt" OUT=/tmp/trace.txt node bench/tools/trace-target.js [target=parley] [N=2000]
//   FLAGS="--trace-gc" …
import { createWriteStream } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTarget, stopTarget } from "../lib/processes.js";
import { closeAll, openMany } from "../loadgen/pool.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const target = process.argv[2] ?? "parley";
const count = Number(process.argv[3] ?? 2000);
const flags = (process.env.FLAGS ?? "--trace-opt --trace-deopt").split(" ");
const script = target.endsWith(".js") ? target : join(HERE, "..", "targets", `${target}.js`);
const out = createWriteStream(process.env.OUT ?? `/tmp/trace-${basename(script, ".js")}.txt`);
const ready = await startTarget({ command: process.execPath, args: [...flags, script] });
let on = false;
ready.child.stdout.on("data", (c) => on && out.write(c));
const url = `ws://127.0.0.1:${ready.port}/socket.io/?EIO=4&transport=websocket`;
const warm = await openMany({
  urls: [url],
  count: Number(process.env.WARM ?? 300),
  concurrency: 50,
  timeoutMs: 30_000,
  deadlineMs: 60_000,
});
on = true;
const pool = await openMany({
  urls: [url],
  count,
  concurrency: 100,
  timeoutMs: 30_000,
  deadlineMs: 120_000,
});
on = false;
await closeAll([...warm.clients, ...pool.clients]);
await stopTarget(ready);
out.end();
process.exit(0);
