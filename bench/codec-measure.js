// A small, dependency-free throughput meter for the codec benchmark.
//
// Each case is a pair of functions doing the same job (Parley, reference). They are measured
// in alternating rounds so that machine noise (the bench shares its cores with other work)
// hits both sides alike; the reported figure is the median of the rounds.

import { performance } from "node:perf_hooks";

/** Anything written here is kept alive so the JIT cannot drop the work as dead code. */
export const sink = { value: undefined, count: 0 };

/** Runs `fn` in batches for about `ms` milliseconds; returns operations per second. */
function runFor(fn, ms) {
  let ops = 0;
  let batch = 64;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    elapsed = performance.now() - start;
    // Grow the batch so the clock read is a negligible share of each round.
    if (elapsed < ms / 20) batch *= 2;
  }
  return (ops * 1000) / elapsed;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Measures both sides of a case: a warm-up of `options.warmupMs` per side, then
 * `options.rounds` pairs of back-to-back rounds of `options.roundMs` each. The two rounds of a
 * pair run under nearly the same machine load, so the ratio is taken per pair and the median
 * of those ratios is reported; ops/s are the medians of each side's rounds.
 */
export function compare(parley, reference, options) {
  const { rounds, roundMs, warmupMs } = options;
  runFor(parley, warmupMs);
  runFor(reference, warmupMs);
  const ours = [];
  const theirs = [];
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so neither always runs on a "cooler" machine.
    let a;
    let b;
    if (r % 2 === 0) {
      a = runFor(parley, roundMs);
      b = runFor(reference, roundMs);
    } else {
      b = runFor(reference, roundMs);
      a = runFor(parley, roundMs);
    }
    ours.push(a);
    theirs.push(b);
    ratios.push(a / b);
  }
  return { parleyOps: median(ours), referenceOps: median(theirs), ratio: median(ratios) };
}

function formatOps(ops) {
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)} M`;
  if (ops >= 1e3) return `${(ops / 1e3).toFixed(1)} k`;
  return ops.toFixed(0);
}

/** Prints the results as a fixed-width table. */
export function printTable(rows) {
  const header = ["case", "parley ops/s", "reference ops/s", "ratio"];
  const lines = rows.map((row) => [
    row.name,
    formatOps(row.parleyOps),
    formatOps(row.referenceOps),
    `${row.ratio.toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i].length)));
  const format = (cells) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ");
  console.log(format(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of lines) console.log(format(line));
}
