// Samples the servers' CPU time at the load generator's measure-start / measure-end marks, so
// each result shows whether the server core was saturated during the window. Read from
// /proc/<pid>/stat, never by asking the (busy) server itself, so a sample is never late.

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { control } from "./processes.js";

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux build.
const TICKS_PER_SECOND = 100;

/**
 * @param {number} pid
 * @returns {number | undefined} CPU milliseconds used so far (all threads)
 */
function procCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

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
 * @param {import("./processes.js").RunningTarget} server
 * @returns {Promise<number>} CPU milliseconds used so far
 */
async function cpuMs(server) {
  const fromProc = server.child.pid === undefined ? undefined : procCpuMs(server.child.pid);
  if (fromProc !== undefined) return fromProc;
  const { cpu } = await control(server, "/stats");
  return (cpu.user + cpu.system) / 1000;
}

/**
 * @param {import("./processes.js").RunningTarget[]} servers
 */
export function serverCpuSampler(servers) {
  /** @type {{ at: number, cpu: number[], cores: { busy: number, total: number }[] } | undefined} */
  let start;
  /** @type {number[] | undefined} */
  let percents;
  /** @type {number[] | undefined} */
  let cores;
  const sample = async () => ({
    at: performance.now(),
    cpu: await Promise.all(servers.map(cpuMs)),
    cores: coreTimes(),
  });
  return {
    /** @param {string} event */
    async onMark(event) {
      if (event === "measure-start") start = await sample();
      else if (event === "measure-end" && start !== undefined) {
        const end = await sample();
        const begin = start;
        const wallMs = end.at - begin.at;
        percents = end.cpu.map((ms, i) => (100 * (ms - (begin.cpu[i] ?? ms))) / wallMs);
        cores = end.cores.map((core, i) => {
          const from = begin.cores[i] ?? core;
          const total = core.total - from.total;
          return total > 0 ? (100 * (core.busy - from.busy)) / total : Number.NaN;
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
