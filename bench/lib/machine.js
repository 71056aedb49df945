// What the numbers were measured on, and the limits that shape the scenarios.

import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { pinningAvailable } from "./processes.js";

/** @param {string} path */
function readOr(path, fallback = "") {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

/** The soft and hard limits on open files of this process (children inherit them). */
export function openFilesLimits() {
  const line = readOr("/proc/self/limits")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  const [, soft, hard] = line?.split(/\s{2,}/) ?? [];
  const parse = (/** @type {string | undefined} */ text) =>
    text === "unlimited" ? Number.POSITIVE_INFINITY : Number(text ?? Number.NaN);
  const s = parse(soft);
  const h = parse(hard);
  return { soft: Number.isFinite(s) ? s : 1024, hard: Number.isNaN(h) ? s : h };
}

/** The soft limit on open files of this process. */
export function openFilesLimit() {
  return openFilesLimits().soft;
}

export function machineInfo() {
  const cpuinfo = readOr("/proc/cpuinfo");
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  return {
    cpuModel: model,
    nproc: availableParallelism(),
    memTotalGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    openFilesLimit: openFilesLimit(),
    ephemeralPorts: readOr("/proc/sys/net/ipv4/ip_local_port_range").trim().replace(/\s+/, "-"),
    tcpTwReuse: readOr("/proc/sys/net/ipv4/tcp_tw_reuse").trim(),
    pinned: pinningAvailable()
      ? "server on core 1, load generator on core 0 (taskset)"
      : "not pinned",
    loadAverage: loadavg().map((v) => Number(v.toFixed(2))),
  };
}

/**
 * Hands out loopback source addresses for load generators that bind one: each gets its own
 * 127.0.0.x, so its ephemeral ports never compete with another's (or with TIME_WAIT leftovers).
 */
export function localAddressPool() {
  let next = 0;
  return () => `127.0.0.${2 + (next++ % 250)}`;
}
