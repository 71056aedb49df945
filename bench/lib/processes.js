// Child processes: targets pinned to the server core, load generators to the client core.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { get } from "node:http";
import { createInterface } from "node:readline";

export const SERVER_CORE = "1";
export const LOADGEN_CORE = "0";
const TASKSET = "/usr/bin/taskset";
const canPin = existsSync(TASKSET);

/** @returns {boolean} */
export function pinningAvailable() {
  return canPin;
}

/**
 * Spawns `command args` pinned to `core` (when taskset exists).
 * @param {string} core
 * @param {string} command
 * @param {string[]} args
 * @param {import("node:child_process").SpawnOptions} options
 */
export function spawnPinned(core, command, args, options) {
  return canPin
    ? spawn(TASKSET, ["-c", core, command, ...args], options)
    : spawn(command, args, options);
}

/**
 * @typedef {object} RunningTarget
 * @property {string} name
 * @property {number} port
 * @property {number} control
 * @property {import("node:child_process").ChildProcess} child
 * @property {() => string} stderr  the last few KiB the target wrote to stderr
 */

/**
 * Starts a target server and waits for its ready line.
 * @param {{ command: string, args: string[], env?: Record<string, string> }} spec
 * @param {number} timeoutMs
 * @returns {Promise<RunningTarget>}
 */
export function startTarget(spec, timeoutMs = 20_000) {
  const child = spawnPinned(SERVER_CORE, spec.command, spec.args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...spec.env },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-4096);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`target did not start in ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`target exited (${code}) before ready: ${stderr}`));
    });
    const lines = createInterface({
      input: /** @type {import("node:stream").Readable} */ (child.stdout),
    });
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      /** @type {{ ready?: boolean, name: string, port: number, control: number }} */
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message.ready !== true) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({ ...message, child, stderr: () => stderr });
    });
  });
}

/**
 * Stops a target (SIGKILL after a grace period) and waits for it to exit.
 * @param {RunningTarget | undefined} target
 */
export async function stopTarget(target) {
  if (target === undefined) return;
  await stopChild(target.child);
}

/** @param {import("node:child_process").ChildProcess} child */
export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 2000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve(undefined);
    });
    child.kill("SIGTERM");
  });
}

/**
 * GET a control endpoint of a running target.
 * @param {RunningTarget} target
 * @param {"/mem" | "/stats"} path
 * @returns {Promise<any>}
 */
export function control(target, path) {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port: target.control, path, timeout: 30_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`control ${path} timed out`)));
    req.on("error", reject);
  });
}
