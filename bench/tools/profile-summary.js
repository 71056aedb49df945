// Self time by function from a V8 .cpuprofile (node --cpu-prof), highest first, and the
// total time under ("inclusive") a few functions of interest.
//
//   node bench/tools/profile-summary.js <file.cpuprofile> [rows=40] [filter]

import { readFileSync } from "node:fs";

const [file, rowsArg, filter] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: node bench/tools/profile-summary.js <file.cpuprofile> [rows] [filter]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const total = profile.samples.length;
const label = (n) => {
  const f = n.callFrame;
  const where = f.url ? `${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}` : "";
  return `${f.functionName || "(anonymous)"} ${where}`;
};
for (const [id, c] of counts) {
  const key = label(byId.get(id));
  self.set(key, (self.get(key) ?? 0) + c);
}
// Inclusive: count each sample once per distinct label on its stack.
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (const [id, c] of counts) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const key = label(byId.get(cur));
    if (seen.has(key)) continue;
    seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + c);
  }
}
const rows = Number(rowsArg ?? 40);
const pct = (c) => `${((100 * c) / total).toFixed(1)}%`;
console.log(`${total} samples`);
console.log("--- self");
for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(pct(c).padStart(6), k);
console.log("--- inclusive");
for (const [k, c] of [...incl]
  .filter(([k]) => filter === undefined || k.includes(filter))
  .sort((a, b) => b[1] - a[1])
  .slice(0, rows))
  console.log(pct(c).padStart(6), k);

// Callers of functions whose label contains CALLERS (env), by immediate parent chain (3 up).
const callersOf = process.env.CALLERS;
if (callersOf !== undefined) {
  const chains = new Map();
  for (const [id, c] of counts) {
    const stack = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) stack.push(label(byId.get(cur)));
    const at = stack.findIndex((l) => l.includes(callersOf));
    if (at === -1) continue;
    const chain = stack.slice(at, at + 6).join(" <- ");
    chains.set(chain, (chains.get(chain) ?? 0) + c);
  }
  console.log(`--- callers of ${callersOf}`);
  for (const [k, c] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(pct(c).padStart(6), k);
}
