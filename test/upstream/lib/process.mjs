// A helper server process for the black-box protocol suites: started in its own process
// group, ready when it prints "listening", always stopped (with anything it spawned).

import { spawn } from "node:child_process";
import { openSync } from "node:fs";

const READY_TIMEOUT_MS = 20_000;

/**
 * @param {string} script
 * @param {Record<string, string>} env
 * @param {string} log  file name for its output
 */
export async function startServer(script, env, log) {
  const out = openSync(log, "w");
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", out],
    detached: true,
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${script} did not start within ${READY_TIMEOUT_MS} ms (see ${log})`));
    }, READY_TIMEOUT_MS);
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      if (seen.includes("listening")) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before listening (see ${log})`));
    });
  });
  function stop() {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return { stop };
}
