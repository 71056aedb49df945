// Heap per idle connection on Bun, by JavaScriptCore object type: starts a Bun target, takes
// a census (bun-heap-target.js) with 0 and with N idle connections, and prints the difference
// per connection, plus heap and RSS per connection.
//
//   node bench/tools/bun-heap-per-conn.js [parley-bun|bun|socketio-bun] [N=2000]
//   SNAPSHOT=1 …   also by constructor, from V8-format snapshots (self sizes, first retainer)
//   KEEP=1 …       keeps the last snapshot file (path printed)

import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTarget, stopTarget } from "../lib/processes.js";
import { closeAll, openMany } from "../loadgen/pool.js";
import { findBun } from "../targets/registry.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const target = process.argv[2] ?? "parley-bun";
const count = Number(process.argv[3] ?? 2000);
const bun = findBun();
if (bun === undefined) throw new Error("no Bun binary in node_modules");
const out = join("/tmp", `bun-heap-${process.pid}.json`);

const ready = await startTarget({
  command: bun.path,
  args: [join(HERE, "bun-heap-target.js"), join(HERE, "..", "targets", `${target}.js`)],
  env: { HEAP_OUT: out },
});
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Count and self size by "type:name <- first retainer", from a V8-format snapshot.
 * @param {string} file
 */
function groups(file) {
  const snap = JSON.parse(readFileSync(file, "utf8"));
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const types = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const [iType, iName, iSize, iEdges] = ["type", "name", "self_size", "edge_count"].map((f) =>
    meta.node_fields.indexOf(f),
  );
  const [eType, eName, eTo] = ["type", "name_or_index", "to_node"].map((f) =>
    meta.edge_fields.indexOf(f),
  );
  const nodes = snap.nodes;
  const edges = snap.edges;
  /** @type {string[]} */
  const retainer = [];
  let e = 0;
  for (let i = 0; i < nodes.length; i += nf) {
    const parent = `${types[nodes[i + iType]]}:${snap.strings[nodes[i + iName]]}`.slice(0, 40);
    for (let k = 0; k < nodes[i + iEdges]; k++, e += ef) {
      const to = edges[e + eTo] / nf;
      if (retainer[to] !== undefined) continue;
      const et = edgeTypes[edges[e + eType]];
      const label =
        et === "element" || et === "hidden" ? `[${et}]` : snap.strings[edges[e + eName]];
      retainer[to] = `${parent}.${label}`;
    }
  }
  /** @type {Map<string, { count: number, size: number }>} */
  const out = new Map();
  for (let i = 0; i < nodes.length; i += nf) {
    const type = types[nodes[i + iType]];
    const name = type === "string" ? "" : String(snap.strings[nodes[i + iName]]).slice(0, 40);
    const key = `${type}:${name} <- ${retainer[i / nf] ?? "?"}`;
    const g = out.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += nodes[i + iSize];
    out.set(key, g);
  }
  return out;
}

/** @returns {Promise<any>} */
async function census() {
  if (existsSync(out)) unlinkSync(out);
  ready.child.kill("SIGUSR2");
  for (let i = 0; i < 300; i++) {
    await sleep(100);
    if (existsSync(out)) return JSON.parse(readFileSync(out, "utf8"));
  }
  throw new Error("no census");
}

try {
  await sleep(300);
  const c0 = await census();
  const snap0 = process.env.SNAPSHOT === "1" ? groups(`${out}.heapsnapshot`) : undefined;
  const pool = await openMany({
    urls: [`ws://127.0.0.1:${ready.port}/socket.io/?EIO=4&transport=websocket`],
    count,
    concurrency: 50,
    timeoutMs: 30_000,
    deadlineMs: 120_000,
  });
  await sleep(2000);
  const c1 = await census();
  const n = pool.clients.length;
  if (snap0 !== undefined) {
    const snap1 = groups(`${out}.heapsnapshot`);
    const diff = [];
    for (const [key, g] of snap1) {
      const b = snap0.get(key) ?? { count: 0, size: 0 };
      const count = (g.count - b.count) / n;
      if (Math.abs(count) >= 0.05 || Math.abs((g.size - b.size) / n) >= 4)
        diff.push({ key, count, size: (g.size - b.size) / n });
    }
    diff.sort((a, b) => b.size - a.size);
    console.log("by constructor and first retainer (count, self bytes per connection):");
    for (const d of diff.slice(0, 60)) {
      console.log(
        `  ${d.count.toFixed(2).padStart(6)} ${d.size.toFixed(0).padStart(6)} B  ${d.key}`,
      );
    }
  }
  const rows = [];
  for (const [type, after] of Object.entries(c1.objectTypeCounts)) {
    const per = /** @type {number} */ (after - (c0.objectTypeCounts[type] ?? 0)) / n;
    if (Math.abs(per) >= 0.05) rows.push([type, per]);
  }
  rows.sort((a, b) => Number(b[1]) - Number(a[1]));
  console.log(`${target}: ${n} connections`);
  for (const [type, per] of rows) console.log(`  ${Number(per).toFixed(2).padStart(8)}  ${type}`);
  const kib = (/** @type {number} */ a, /** @type {number} */ b) => ((a - b) / n / 1024).toFixed(2);
  console.log(`heapSize/conn ${kib(c1.heapSize, c0.heapSize)} KiB`);
  console.log(`extraMemory/conn ${kib(c1.extraMemorySize, c0.extraMemorySize)} KiB`);
  console.log(`heapUsed/conn ${kib(c1.memoryUsage.heapUsed, c0.memoryUsage.heapUsed)} KiB`);
  console.log(`rss/conn ${kib(c1.memoryUsage.rss, c0.memoryUsage.rss)} KiB`);
  const ab = kib(c1.memoryUsage.arrayBuffers ?? 0, c0.memoryUsage.arrayBuffers ?? 0);
  console.log(
    `external/conn ${kib(c1.memoryUsage.external, c0.memoryUsage.external)} KiB, arrayBuffers/conn ${ab} KiB`,
  );
  console.log(`heapCapacity/conn ${kib(c1.heapCapacity, c0.heapCapacity)} KiB`);
  if (c1.malloc !== undefined) {
    console.log(
      `malloc in use/conn ${kib(c1.malloc.inUse, c0.malloc.inUse)} KiB, committed/conn ${kib(c1.malloc.committed, c0.malloc.committed)} KiB`,
    );
  }
  const jm1 = c1.jscMemory;
  const jm0 = c0.jscMemory;
  console.log(
    `jsc memoryUsage current/conn ${kib(jm1.current, jm0.current)} KiB, commit/conn ${kib(jm1.currentCommit, jm0.currentCommit)} KiB`,
  );
  if (c1.smaps !== undefined) {
    const keys = ["Rss", "Anonymous", "Private_Dirty", "Shared_Clean", "Private_Clean"];
    console.log(
      `smaps/conn ${keys.map((k) => `${k} ${kib(c1.smaps[k] ?? 0, c0.smaps[k] ?? 0)}`).join(", ")} KiB`,
    );
  }
  console.log(
    `absolute: rss ${(c1.memoryUsage.rss / 1048576).toFixed(1)} MiB, heap ${(c1.heapSize / 1048576).toFixed(1)} / capacity ${(c1.heapCapacity / 1048576).toFixed(1)} MiB`,
  );
  await closeAll(pool.clients);
} finally {
  await stopTarget(ready);
  // KEEP=1: the last snapshot stays (its path is printed), for a closer look.
  if (process.env.KEEP === "1" && existsSync(`${out}.heapsnapshot`)) {
    console.log(`snapshot kept: ${out}.heapsnapshot`);
  } else if (existsSync(`${out}.heapsnapshot`)) {
    unlinkSync(`${out}.heapsnapshot`);
  }
  if (existsSync(out)) unlinkSync(out);
}
