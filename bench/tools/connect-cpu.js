// Server CPU time per Socket.IO connection (WebSocket upgrade, OPEN, namespace CONNECT), read
// from the server's own process.cpuUsage() before and after opening N connections. Targets run
// alternately, each round on a fresh server, and the median round is reported: a steadier A/B
// figure than connects/s on a shared machine.
//
//   node bench/tools/connect-cpu.js [targets=parley,ws,socketio] [N=2000] [rounds=5]
//
// WARM=n sets the warm-up connections (default 300). With a few thousand, every target's JIT
// has settled and the figure is the steady-state cost, not the cold-start one. NODE_FLAGS="…"
// are given to every target's node (e.g. V8's heap or JIT flags, to see where a cost goes).

import { control, startTarget, stopTarget } from "../lib/processes.js";
import { closeAll } from "../loadgen/pool.js";
import { openMeasured, openWarmUp, targetScript } from "./connect-pools.js";

const targets = (process.argv[2] ?? "parley,ws,socketio").split(",");
const count = Number(process.argv[3] ?? 2000);
const rounds = Number(process.argv[4] ?? 5);

/** A target by name (bench/targets/<name>.js) or by path, pinned to the server core. */
function start(name) {
  const script = targetScript(name);
  const flags = (process.env.NODE_FLAGS ?? "").split(" ").filter((f) => f !== "");
  return startTarget({ command: process.execPath, args: [...flags, script] });
}

/** The server's own CPU time so far, µs (its `/stats` answer): user and system. */
async function cpu(ready) {
  const { cpu } = await control(ready, "/stats");
  return cpu;
}

const results = Object.fromEntries(targets.map((t) => [t, []]));
// The same rounds split: user (JavaScript, Node, V8) and system (syscalls, and on loopback the
// receiving side's TCP work the kernel runs inside the sender's write).
const split = Object.fromEntries(targets.map((t) => [t, { user: [], system: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const name of targets) {
    const ready = await start(name);
    // Warm up: JIT and pools, then measure.
    const warm = await openWarmUp(ready);
    const before = await cpu(ready);
    const pool = await openMeasured(ready, count);
    const after = await cpu(ready);
    const n = pool.clients.length;
    const user = after.user - before.user;
    const system = after.system - before.system;
    results[name].push((user + system) / n);
    split[name].user.push(user / n);
    split[name].system.push(system / n);
    await closeAll([...warm.clients, ...pool.clients]);
    await stopTarget(ready);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const name of targets) {
  console.log(
    `${name.padEnd(10)} median ${median(results[name]).toFixed(0)} µs CPU/connection  rounds: ${results[name].map((x) => x.toFixed(0)).join(" ")}` +
      `  (user ${median(split[name].user).toFixed(0)}, system ${median(split[name].system).toFixed(0)})`,
  );
}
// Each round's targets ran seconds apart: on a loaded machine the ratio within a round is
// steadier than either figure.
const [base, ...others] = targets;
for (const name of others) {
  const ratios = results[name].map((x, r) => x / results[base][r]);
  console.log(
    `${name} ÷ ${base}: median ${median(ratios).toFixed(2)}  rounds: ${ratios.map((x) => x.toFixed(2)).join(" ")}`,
  );
}
process.exit(0);
