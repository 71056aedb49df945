// Parley against socket.io, raw ws and Bun, side by side in one run.
//
//   node bench/run.js            every scenario (8–10 minutes; a time budget skips the rest past 12)
//   node bench/run.js --quick    smaller counts, shorter windows (1–2 minutes)
//   options: --targets=socketio,parley,ws,bun,socketio-bun,parley-bun   --scenarios=broadcast,echo,memory,connect,
//            cluster,bundle,codec   --rounds=N (default 3 full, 1 quick)
//            --cpu-prof=<target id> (Node or Bun target; writes bench/results/profiles/)
//            --echo-warmup=<ms> (echo warm-up before the measured window; default 500)
//
// Each (scenario, target) pair runs a fresh server process pinned to core 1 and a load
// generator process pinned to core 0. Results go to bench/results/<timestamp>.json and
// bench/results/latest.json; the table shows every target's ratio against socket.io.

import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { localAddressPool, machineInfo, openFilesLimit } from "./lib/machine.js";
import { combineRounds, rotation } from "./lib/rounds.js";
import { raiseOpenFilesLimit } from "./lib/ulimit.js";
import { buildRows, evaluateGoals, renderTable } from "./report.js";
import { broadcastScenario } from "./scenarios/broadcast.js";
import { bundleSizes } from "./scenarios/bundle.js";
import { clusterScenario, redisReachable } from "./scenarios/cluster.js";
import { codecScenario } from "./scenarios/codec.js";
import { connectRateScenario } from "./scenarios/connect-rate.js";
import { echoScenario } from "./scenarios/echo.js";
import { memoryScenario } from "./scenarios/memory.js";
import { clusterTargets } from "./targets/cluster-registry.js";
import { targets as allTargets, parleyDistStale } from "./targets/registry.js";

raiseOpenFilesLimit();

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, "..");
const RESULTS = join(BENCH, "results");

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
/** @param {string} name */
const listArg = (name) =>
  argv
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3)
    .split(",")
    .filter(Boolean);
const onlyTargets = listArg("targets");
const onlyScenarios = listArg("scenarios");
const profileTarget = argv.find((a) => a.startsWith("--cpu-prof="))?.slice("--cpu-prof=".length);

// A server holds one descriptor per connection plus a few dozen of its own; stay under the
// per-process limit (raise it with `ulimit -n` before running, where the hard limit allows).
const maxConnections = Math.min(20_000, openFilesLimit() - 150);

// Full runs measure each target three times, interleaved (lib/rounds.js); --rounds=N overrides.
const roundsArg = Number(argv.find((a) => a.startsWith("--rounds="))?.slice("--rounds=".length));
const rounds = Number.isInteger(roundsArg) && roundsArg > 0 ? roundsArg : quick ? 1 : 3;

// The echo warm-up, overridable: how much of the JIT's tier-up lands in the measured window
// (see docs/PERFORMANCE.md, "Parley on Bun").
const echoWarmupArg = Number(argv.find((a) => a.startsWith("--echo-warmup="))?.slice(14));
const echoWarmupMs = Number.isInteger(echoWarmupArg) && echoWarmupArg >= 0 ? echoWarmupArg : 500;

const config = quick
  ? {
      budgetMs: 3 * 60_000,
      rounds,
      broadcast: { sizes: [200, 1000], warmupMs: 300, measureMs: 1500 },
      echo: { clients: 50, ratePerClient: 100, warmupMs: echoWarmupMs, measureMs: 2500 },
      memory: { steps: [1000, 2000], concurrency: 100 },
      connect: { count: 1000, concurrency: 100 },
      cluster: { clients: 200, nodes: 2, warmupMs: 300, measureMs: 1500 },
    }
  : {
      budgetMs: 12 * 60_000,
      rounds,
      broadcast: { sizes: [1000, 10_000], warmupMs: 500, measureMs: 3000 },
      echo: { clients: 100, ratePerClient: 100, warmupMs: echoWarmupMs, measureMs: 4000 },
      memory: { steps: [10_000, maxConnections], concurrency: 100 },
      connect: { count: 3000, concurrency: 100 },
      cluster: { clients: 1000, nodes: 2, warmupMs: 500, measureMs: 2500 },
    };

const wanted = (/** @type {string} */ scenario) =>
  onlyScenarios === undefined || onlyScenarios.includes(scenario);

const started = performance.now();
const localAddresses = localAddressPool();

const targets = allTargets()
  .filter((t) => t.id === "socketio" || onlyTargets === undefined || onlyTargets.includes(t.id))
  .map((t) =>
    // Node and Bun take the same flags (Bun writes a .cpuprofile on exit too).
    t.id === profileTarget && (t.command === process.execPath || t.id.endsWith("bun"))
      ? { ...t, args: ["--cpu-prof", `--cpu-prof-dir=${join(RESULTS, "profiles")}`, ...t.args] }
      : t,
  );
for (const t of targets) {
  if (t.unavailable !== undefined) console.log(`! skipping ${t.label}: ${t.unavailable}`);
}
const stale = targets.some((t) => t.id.startsWith("parley") && t.unavailable === undefined)
  ? parleyDistStale()
  : undefined;
if (stale !== undefined) console.log(`! warning: ${stale}`);

const machine = machineInfo();
console.log(
  `parley bench (${quick ? "quick" : "full"}) — ${machine.cpuModel}, ${machine.nproc} cores, node ${machine.node}, ` +
    `load ${machine.loadAverage.join(" ")}; ${machine.pinned}; open files ${machine.openFilesLimit}`,
);

/** @type {any[]} */
const scenarios = [];

/**
 * Runs one scenario for every target, `rounds` times with the order rotated each round, and
 * keeps each target's median round (lib/rounds.js). Errors are recorded, never fatal.
 * @param {{ key: string, kind: string, title: string, params: object }} scenario
 * @param {(spec: import("./targets/registry.js").TargetSpec) => Promise<object>} runOne
 * @param {{ rounds?: number, list?: import("./targets/registry.js").TargetSpec[] }} [options]
 */
async function runScenario(scenario, runOne, options = {}) {
  const list = options.list ?? targets;
  const rounds = options.rounds ?? 1;
  /** @type {Record<string, object[]>} */
  const perTarget = Object.fromEntries(list.map((spec) => [spec.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const spec of rotation(list, round)) {
      const results = /** @type {object[]} */ (perTarget[spec.id]);
      if (spec.unavailable !== undefined) {
        if (round === 0) results.push({ skipped: spec.unavailable });
        continue;
      }
      if (performance.now() - started > config.budgetMs) {
        if (results.length === 0) results.push({ skipped: "time budget exhausted" });
        continue;
      }
      const t0 = performance.now();
      const tag = rounds > 1 ? ` (round ${round + 1}/${rounds})` : "";
      try {
        results.push(await runOne(spec));
        const seconds = ((performance.now() - t0) / 1000).toFixed(1);
        console.log(`  ${scenario.title} · ${spec.label}${tag}: ${seconds} s`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        results.push({ error: message });
        console.log(`  ${scenario.title} · ${spec.label}${tag}: ERROR ${message}`);
      }
    }
  }
  const byTarget = Object.fromEntries(
    Object.entries(perTarget).map(([id, results]) => [id, combineRounds(scenario.kind, results)]),
  );
  scenarios.push({ ...scenario, rounds, byTarget });
}

if (wanted("broadcast")) {
  for (const clients of config.broadcast.sizes) {
    const params = {
      clients,
      warmupMs: config.broadcast.warmupMs,
      measureMs: config.broadcast.measureMs,
    };
    await runScenario(
      {
        key: `broadcast-${clients}`,
        kind: "broadcast",
        title: `broadcast fan-out, ${clients} clients`,
        params,
      },
      (spec) => broadcastScenario(spec, params),
      { rounds },
    );
  }
}
if (wanted("echo")) {
  const params = config.echo;
  await runScenario(
    {
      key: "echo",
      kind: "echo",
      title: `echo latency, ${params.clients} clients × ${params.ratePerClient}/s`,
      params,
    },
    (spec) => echoScenario(spec, params),
    // A p99 over 4 s is moved by one or two machine-wide stalls of ~20 ms (they land in every
    // target's runs alike, raw ws included): five rounds make its median steadier than three.
    { rounds: quick || roundsArg > 0 ? rounds : Math.max(rounds, 5) },
  );
}
if (wanted("memory")) {
  const params = config.memory;
  await runScenario(
    { key: "memory", kind: "memory", title: "memory per idle connection", params },
    (spec) => memoryScenario(spec, { ...params, localAddresses }),
  );
}
if (wanted("connect")) {
  const params = config.connect;
  await runScenario(
    { key: "connect", kind: "connect", title: "connection rate", params },
    (spec) => connectRateScenario(spec, params),
    { rounds },
  );
}
if (wanted("cluster")) {
  const params = config.cluster;
  const list = clusterTargets(targets);
  if (!(await redisReachable())) {
    for (const t of list) t.unavailable ??= "no Redis at REDIS_URL";
  }
  await runScenario(
    {
      key: "cluster",
      kind: "cluster",
      title: `cross-node broadcast via Redis, ${params.nodes} nodes`,
      params,
    },
    (spec) => clusterScenario(spec, params),
    { rounds, list },
  );
}
/** @type {ReturnType<typeof bundleSizes> | undefined} */
const bundle = wanted("bundle") ? bundleSizes(ROOT) : undefined;
/** @type {Awaited<ReturnType<typeof codecScenario>> | undefined} */
let codec;
if (wanted("codec")) {
  console.log("  codec throughput: running bench/codec.js");
  codec = await codecScenario(BENCH, quick);
}

const results = {
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  durationS: Number(((performance.now() - started) / 1000).toFixed(1)),
  machine: { ...machine, loadAverageAtEnd: loadavg().map((v) => Number(v.toFixed(2))) },
  config,
  targets: targets.map(({ id, label, unavailable }) => ({ id, label, unavailable })),
  warnings: stale === undefined ? [] : [stale],
  scenarios,
  bundle,
  codec,
};
const rows = buildRows(results);
const goals = evaluateGoals(rows);

console.log("");
for (const line of renderTable(results, rows)) console.log(line);
console.log(
  "\nratios are against socket.io in this run; LG-bound: the load generator was over 90 % CPU",
);
console.log("(that number is a floor set by the load generator, not the server's ceiling).\n");
console.log("parley goals (informational):");
for (const goal of goals) {
  const verdict = goal.pass === undefined ? "n/a " : goal.pass ? "PASS" : "FAIL";
  console.log(`  ${verdict}  ${goal.label}: want ${goal.want}, got ${goal.got}`);
}
if (codec !== undefined) {
  console.log("\ncodec throughput (bench/codec.js):");
  console.log(codec.table ?? codec.skipped ?? codec.error);
}

mkdirSync(RESULTS, { recursive: true });
const json = `${JSON.stringify({ ...results, rows, goals, markdown: renderTable(results, rows, true) }, null, 2)}\n`;
const file = join(RESULTS, `${results.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(file, json);
writeFileSync(join(RESULTS, "latest.json"), json);
console.log(`\nresults: ${file} (and bench/results/latest.json), ${results.durationS} s`);
