// Where a Socket.IO connection's server CPU goes: runs a target under `node --cpu-prof`,
// opens and closes N WebSocket connections three times, and prints the profile's busy time
// per connection (open and close together), by kind (Parley's dist, ws, Node's own JS,
// native calls such as writev) and by function. Compare targets in the same hour: the
// figures move with the machine's load (syscalls most).
//
//   node bench/tools/connect-profile.js [target=parley] [N=3000] [filter]
//
// `filter` keeps the function rows whose label contains it (e.g. `dist/`, `node:`). The
// profile stays in bench/results/profiles/.

import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTarget, stopTarget } from "../lib/processes.js";
import { closeAll } from "../loadgen/pool.js";
import { openMeasured, targetScript } from "./connect-pools.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "..", "results", "profiles");
const target = process.argv[2] ?? "parley";
const count = Number(process.argv[3] ?? 3000);
const filter = process.argv[4];
const ROUNDS = 3;
mkdirSync(OUT, { recursive: true });

const before = new Set(readdirSync(OUT));
const script = targetScript(target);
const ready = await startTarget({
  command: process.execPath,
  args: ["--cpu-prof", `--cpu-prof-dir=${OUT}`, script],
});
for (let round = 0; round < ROUNDS; round++) {
  const pool = await openMeasured(ready, count);
  await closeAll(pool.clients);
}
await stopTarget(ready);
const file = readdirSync(OUT).find((f) => !before.has(f) && f.endsWith(".cpuprofile"));
if (file === undefined) throw new Error("no profile written");

const profile = JSON.parse(readFileSync(join(OUT, file), "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const usPerSample = (profile.endTime - profile.startTime) / profile.samples.length;
const perConn = (samples) => ((samples * usPerSample) / (count * ROUNDS)).toFixed(1).padStart(7);
const kinds = new Map();
const functions = new Map();
for (const id of profile.samples) {
  const { functionName, url: where, lineNumber } = byId.get(id).callFrame;
  if (functionName === "(idle)") continue;
  const kind = where.includes("/dist/")
    ? "parley"
    : where.includes("node_modules/ws/")
      ? "ws"
      : where.startsWith("node:")
        ? "node"
        : where === ""
          ? functionName || "native"
          : "other";
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  const label = `${functionName || "(anonymous)"} ${where.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
  if (filter === undefined || label.includes(filter)) {
    functions.set(label, (functions.get(label) ?? 0) + 1);
  }
}
const busy = [...kinds.values()].reduce((a, b) => a + b, 0);
console.log(`${target}: ${count} × ${ROUNDS} connections, busy ${perConn(busy)} µs/conn (${file})`);
for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`${perConn(n)}  ${kind}`);
}
console.log("--- by function, µs per connection");
for (const [label, n] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
  console.log(`${perConn(n)}  ${label}`);
}
process.exit(0);
