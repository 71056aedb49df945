// Samples a target's CPU time at the load generator's measure-start / measure-end marks, so
// each result shows whether the server core was saturated during the window.

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { control } from "./processes.js";

/** Per-core busy and total jiffies from /proc/stat (empty where it does not exist). */
function coreTimes() {
  let text = "";
  try {
    text = readFileSync("/proc/stat", "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const [, ...fields] = line.trim().split(/\s+/).map(Number);
      const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
      const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
      return { busy: total - idle, total };
    });
}

/**
 * @param {import("./processes.js").RunningTarget[]} servers
 */
export function serverCpuSampler(servers) {
  /** @type {{ at: number, cpus: { user: number, system: number }[] } | undefined} */
  let start;
  /** @type {number[] | undefined} */
  let percents;
  /** @type {number[] | undefined} */
  let cores;
  /** @type {{ busy: number, total: number }[]} */
  let coresAtStart = [];
  const sample = async () => ({
    at: performance.now(),
    cpus: await Promise.all(servers.map(async (server) => (await control(server, "/stats")).cpu)),
  });
  return {
    /** @param {string} event */
    async onMark(event) {
      if (event === "measure-start") {
        start = await sample();
        coresAtStart = coreTimes();
      } else if (event === "measure-end" && start !== undefined) {
        const coresAtEnd = coreTimes();
        cores = coresAtEnd.map((end, i) => {
          const from = coresAtStart[i] ?? { busy: 0, total: 0 };
          const total = end.total - from.total;
          return total > 0 ? (100 * (end.busy - from.busy)) / total : Number.NaN;
        });
        const end = await sample();
        const wallUs = (end.at - start.at) * 1000;
        const begin = start;
        percents = end.cpus.map((cpu, i) => {
          const from = begin.cpus[i] ?? cpu;
          return (100 * (cpu.user - from.user + cpu.system - from.system)) / wallUs;
        });
      }
      return undefined;
    },
    /** CPU % of each server over the window (100 = one core), or undefined if not sampled. */
    percents() {
      return percents;
    },
    /** How busy each core was over the window, by anything (other users' work shows here). */
    cores() {
      return cores;
    },
  };
}
