// A Bun target (argv[2]: a file under bench/targets) plus a heap census on SIGUSR2: after
// forced GCs, JavaScriptCore's object counts by type (`bun:jsc` heapStats) and
// process.memoryUsage() go to the file named by HEAP_OUT. For bun-heap-per-conn.js.

import { readFileSync, renameSync, writeFileSync } from "node:fs";

/** /proc/self/smaps_rollup as numbers of bytes (Linux), or undefined elsewhere. */
function smapsRollup() {
  try {
    /** @type {Record<string, number>} */
    const fields = {};
    for (const line of readFileSync("/proc/self/smaps_rollup", "utf8").split("\n")) {
      const m = /^(\w+):\s+(\d+) kB/.exec(line);
      if (m !== null) fields[m[1]] = Number(m[2]) * 1024;
    }
    return fields;
  } catch {
    return undefined;
  }
}

const jsc = await import("bun:jsc");
const out = process.env.HEAP_OUT ?? "/tmp/bun-heap.json";
process.on("SIGUSR2", () => {
  for (let i = 0; i < 3; i++) /** @type {any} */ (globalThis).Bun.gc(true);
  const stats = jsc.heapStats();
  const mi = stats.mimalloc;
  const census = {
    objectTypeCounts: stats.objectTypeCounts,
    heapSize: stats.heapSize,
    heapCapacity: stats.heapCapacity,
    extraMemorySize: stats.extraMemorySize,
    memoryUsage: process.memoryUsage(),
    // Where RSS beyond the JS heap goes: Bun's native allocator (mimalloc: what is allocated,
    // what it holds committed) and the kernel's view of the process's memory.
    malloc:
      mi === undefined
        ? undefined
        : {
            inUse: mi.malloc_normal.current + mi.malloc_huge.current,
            committed: mi.committed.current,
          },
    jscMemory: jsc.memoryUsage(),
    smaps: smapsRollup(),
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
