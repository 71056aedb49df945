// Heap per idle connection, by constructor: starts a target, takes a heap snapshot with 0
// and with N idle connections (after forced GCs), and prints the difference per connection,
// grouped by node type + constructor name (self sizes).
//
//   node bench/tools/heap-per-conn.js [parley|socketio|ws] [N=2000]
//
// Needs the built Parley dist (`npm run build`). Snapshots go to bench/results/heap/ and are
// deleted afterwards unless KEEP=1.

import { mkdirSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { control, startTarget, stopTarget } from "../lib/processes.js";
import { closeAll, openMany } from "../loadgen/pool.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "..", "results", "heap");
const target = process.argv[2] ?? "parley";
const count = Number(process.argv[3] ?? 2000);
mkdirSync(OUT, { recursive: true });

const ready = await startTarget({
  command: process.execPath,
  args: [
    "--expose-gc",
    `--diagnostic-dir=${OUT}`,
    "--heapsnapshot-signal=SIGUSR2",
    target.endsWith(".js") ? target : join(HERE, "..", "targets", `${target}.js`),
  ],
});
const server = ready.child;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mem = () => control(ready, "/mem");
async function snapshot() {
  await mem();
  const before = new Set(readdirSync(OUT));
  server.kill("SIGUSR2");
  for (let i = 0; i < 600; i++) {
    await sleep(200);
    const added = readdirSync(OUT).filter((f) => !before.has(f) && f.endsWith(".heapsnapshot"));
    if (added.length > 0) {
      const file = join(OUT, added[0]);
      // Wait for the writer to finish (size stops changing and JSON closes).
      let last = -1;
      for (;;) {
        await sleep(300);
        const text = readFileSync(file, "utf8");
        if (text.length === last && text.endsWith("}")) return file;
        last = text.length;
      }
    }
  }
  throw new Error("no snapshot");
}

function summarise(file) {
  const snap = JSON.parse(readFileSync(file, "utf8"));
  const byRetainer = process.env.BY_RETAINER === "1";
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const nf = fields.length;
  const iType = fields.indexOf("type");
  const iName = fields.indexOf("name");
  const iSize = fields.indexOf("self_size");
  const groups = new Map();
  const nodes = snap.nodes;
  // First retainer of each node, as "ParentName.edge" (only when asked: it is slow).
  const retainer = [];
  const parentOf = [];
  if (byRetainer) {
    const ef = meta.edge_fields;
    const en = ef.length;
    const eType = ef.indexOf("type");
    const eName = ef.indexOf("name_or_index");
    const eTo = ef.indexOf("to_node");
    const edgeTypes = meta.edge_types[0];
    const iEdges = fields.indexOf("edge_count");
    let e = 0;
    for (let i = 0; i < nodes.length; i += nf) {
      const ptype = types[nodes[i + iType]];
      const pname =
        ptype === "object" || ptype === "closure" ? snap.strings[nodes[i + iName]] : ptype;
      for (let k = 0; k < nodes[i + iEdges]; k++, e += en) {
        const et = edgeTypes[snap.edges[e + eType]];
        if (et === "weak" || et === "shortcut") continue;
        const to = snap.edges[e + eTo] / nf;
        if (retainer[to] !== undefined) continue;
        const label =
          et === "element" || et === "hidden" ? `[${et}]` : snap.strings[snap.edges[e + eName]];
        retainer[to] = `${pname}.${label}`;
        parentOf[to] = i / nf;
      }
    }
  }
  for (let i = 0; i < nodes.length; i += nf) {
    const type = types[nodes[i + iType]];
    let name =
      type === "object" || type === "closure" || type === "native"
        ? snap.strings[nodes[i + iName]]
        : "";
    if (type === "string" || type === "concatenated string" || type === "sliced string") name = "";
    if (type === "code" || type === "hidden") name = "";
    let key = `${type}:${name}`;
    if (byRetainer) {
      key += ` <- ${retainer[i / nf] ?? "?"}`;
      // Two levels for containers whose own name says little.
      const up = parentOf[i / nf];
      if (up !== undefined && /^(array|hidden|object:Object|object:Array|string)/.test(key)) {
        key += ` <- ${retainer[up] ?? "?"}`;
      }
    }
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += nodes[i + iSize];
    groups.set(key, g);
  }
  return groups;
}

const file0 = await snapshot();
const m0 = await mem();
const pool = await openMany({
  urls: [`ws://127.0.0.1:${ready.port}/socket.io/?EIO=4&transport=websocket`],
  count,
  concurrency: 50,
  timeoutMs: 30_000,
  deadlineMs: 120_000,
});
await sleep(500);
const m1 = await mem();
const file1 = await snapshot();
const g0 = summarise(file0);
const g1 = summarise(file1);
const rows = [];
for (const [key, g] of g1) {
  const b = g0.get(key) ?? { count: 0, size: 0 };
  const dc = (g.count - b.count) / pool.clients.length;
  const ds = (g.size - b.size) / pool.clients.length;
  if (Math.abs(ds) >= 4 || Math.abs(dc) >= 0.5)
    rows.push({ key, objs: dc.toFixed(2), bytes: ds.toFixed(0) });
}
rows.sort((a, b) => Number(b.bytes) - Number(a.bytes));
let total = 0;
for (const r of rows) total += Number(r.bytes);
console.log(`${target}: ${pool.clients.length} connections`);
console.log(
  `memoryUsage per conn: rss ${((m1.rss - m0.rss) / pool.clients.length).toFixed(0)} B, heapUsed ${((m1.heapUsed - m0.heapUsed) / pool.clients.length).toFixed(0)} B, external ${((m1.external - m0.external) / pool.clients.length).toFixed(0)} B`,
);
console.log(`snapshot self-size per conn (listed rows): ${total} B`);
console.table(rows.slice(0, Number(process.env.TOP ?? 40)));
await closeAll(pool.clients);
await stopTarget(ready);
// Snapshots are 100+ MB each: keep them only when asked (KEEP=1, to open in DevTools).
if (process.env.KEEP !== "1") for (const file of [file0, file1]) unlinkSync(file);
process.exit(0);
