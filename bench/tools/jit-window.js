// What JavaScriptCore compiled with its optimizing tiers (DFG, FTL) inside echo-cpu.js's
// measured window: reads a log written by
//
//   BUN=1 BUN_JSC_reportCompileTimes=1 GC_LOG=/tmp/jit.log node bench/tools/echo-cpu.js parley-bun 20000 1
//   node bench/tools/jit-window.js /tmp/jit.log
//
// and prints the number of compiles, their machine code size and compile time, largest
// first. Compile times are wall-clock on a shared core (they grow with the machine's load);
// the count and the code size are the steadier figures. One round per log (the marks of a
// second round would be read as the first's).

import { readFileSync } from "node:fs";

const file = process.argv[2];
if (file === undefined) {
  console.error("usage: node bench/tools/jit-window.js <log of echo-cpu.js with GC_LOG>");
  process.exit(2);
}
// echo-cpu.js stamps each stderr chunk, sometimes in the middle of one of JSC's lines.
const text = readFileSync(file, "utf8").replace(/\[echo-cpu \d+ ms\]\n?/g, "");
const from = text.indexOf("--- warm");
const to = text.indexOf("--- measured");
if (from === -1 || to === -1) {
  console.error("no '--- warm' / '--- measured' marks in the log");
  process.exit(2);
}
const compiled =
  /Optimized (.*?)#\w{6}:\[[^\]]*\] using (DFG|FTL) with \w+ into (\d+) bytes in ([\d.]+) ms/g;
const rows = [...text.slice(from, to).matchAll(compiled)].map((m) => ({
  name: m[1] || "(anonymous)",
  tier: m[2],
  bytes: Number(m[3]),
  ms: Number(m[4]),
}));
rows.sort((a, b) => b.bytes - a.bytes);
const kib = rows.reduce((sum, r) => sum + r.bytes, 0) / 1024;
const ms = rows.reduce((sum, r) => sum + r.ms, 0);
console.log(`${rows.length} DFG/FTL compiles, ${kib.toFixed(1)} KiB of code, ${ms.toFixed(0)} ms`);
for (const r of rows) {
  console.log(
    `  ${r.name.padEnd(28)} ${r.tier} ${(r.bytes / 1024).toFixed(1).padStart(5)} KiB ${r.ms.toFixed(1).padStart(7)} ms`,
  );
}
