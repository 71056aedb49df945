// Runs a target with V8 flags and keeps what it prints while it accepts N connections (after
// WARM=300 warm-up ones, as connect-cpu.js): which functions V8 optimizes and deoptimizes in
// that window, or its GC events.
//
//   FLAGS="--trace-opt --trace-deopt" OUT=/tmp/trace.txt node bench/tools/trace-target.js [target=parley] [N=2000]
//   FLAGS="--trace-gc" …
import { createWriteStream } from "node:fs";
import { basename } from "node:path";
import { startTarget, stopTarget } from "../lib/processes.js";
import { closeAll } from "../loadgen/pool.js";
import { openMeasured, openWarmUp, targetScript } from "./connect-pools.js";

const target = process.argv[2] ?? "parley";
const count = Number(process.argv[3] ?? 2000);
const flags = (process.env.FLAGS ?? "--trace-opt --trace-deopt").split(" ");
const script = targetScript(target);
const out = createWriteStream(process.env.OUT ?? `/tmp/trace-${basename(script, ".js")}.txt`);
const ready = await startTarget({ command: process.execPath, args: [...flags, script] });
let on = false;
ready.child.stdout.on("data", (c) => on && out.write(c));
const warm = await openWarmUp(ready);
on = true;
const pool = await openMeasured(ready, count);
on = false;
await closeAll([...warm.clients, ...pool.clients]);
await stopTarget(ready);
out.end();
process.exit(0);
