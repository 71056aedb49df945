// Runs mocha on one extracted suite in its own process group, with a wall-clock limit: a suite
// that hangs or crashes is killed and reported with what it ran, never wedging the runner.

import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { HERE, SCRATCH } from "./scratch.mjs";

/**
 * @typedef {object} MochaRun
 * @property {string} cwd               the suite directory
 * @property {string[]} files           spec files, relative to cwd
 * @property {string[]} [args]          extra mocha arguments (--timeout, --require …)
 * @property {Record<string,string>} [env]
 * @property {string} [grep]
 * @property {number} timeoutMs         the whole suite's limit
 * @property {string} log               where mocha's own output goes
 */

/**
 * @param {MochaRun} run
 * @returns {Promise<{ events: object[], exitCode: number | null, timedOut: boolean }>}
 */
export async function runMocha(run) {
  const eventsFile = join(run.cwd, ".events.jsonl");
  rmSync(eventsFile, { force: true });
  const mocha = join(SCRATCH, "node_modules", "mocha", "bin", "mocha.js");
  const args = [
    mocha,
    "--exit",
    "--reporter",
    join(HERE, "lib", "reporter.cjs"),
    ...(run.args ?? []),
    ...(run.grep ? ["--grep", run.grep] : []),
    ...run.files,
  ];
  const out = openSync(run.log, "w");
  const child = spawn(process.execPath, args, {
    cwd: run.cwd,
    env: { ...process.env, ...run.env, UPSTREAM_EVENTS: eventsFile },
    stdio: ["ignore", out, out],
    detached: true,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, run.timeoutMs);
  const exitCode = await new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
  });
  clearTimeout(timer);
  // Whatever the tests left running (servers, fixtures) goes with the group.
  killGroup(child.pid);
  closeSync(out);
  const events = existsSync(eventsFile)
    ? readFileSync(eventsFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];
  return { events, exitCode, timedOut };
}

/** @param {number | undefined} pid */
function killGroup(pid) {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}
