// A Bun target (argv[2]: a file under bench/targets) plus a heap census on SIGUSR2: after
// forced GCs, JavaScriptCore's object counts by type (`bun:jsc` heapStats) and
// process.memoryUsage() go to the file named by HEAP_OUT. For bun-heap-per-conn.js.

import { renameSync, writeFileSync } from "node:fs";

const jsc = await import("bun:jsc");
const out = process.env.HEAP_OUT ?? "/tmp/bun-heap.json";
process.on("SIGUSR2", () => {
  for (let i = 0; i < 3; i++) /** @type {any} */ (globalThis).Bun.gc(true);
  const stats = jsc.heapStats();
  const census = {
    objectTypeCounts: stats.objectTypeCounts,
    heapSize: stats.heapSize,
    extraMemorySize: stats.extraMemorySize,
    memoryUsage: process.memoryUsage(),
  };
  writeFileSync(`${out}.tmp`, JSON.stringify(census));
  // SNAPSHOT=1: a V8-format heap snapshot beside it (constructor names and sizes).
  if (process.env.SNAPSHOT === "1") {
    writeFileSync(
      `${out}.heapsnapshot`,
      /** @type {any} */ (globalThis).Bun.generateHeapSnapshot("v8"),
    );
  }
  // Renamed whole, so the reader never sees half a file.
  renameSync(`${out}.tmp`, out);
});

await import(process.argv[2] ?? "../targets/parley-bun.js");
