// Codec throughput: runs bench/codec.js (owned by the codec engineer) when it exists, pinned to
// the server core, and keeps its printed table and its JSON.

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pinningAvailable, SERVER_CORE } from "../lib/processes.js";

/**
 * @param {string} benchDir
 * @param {boolean} quick
 * @returns {Promise<{ skipped?: string, table?: string, rows?: unknown[] | undefined, error?: string }>}
 */
export function codecScenario(benchDir, quick) {
  const script = join(benchDir, "codec.js");
  if (!existsSync(script)) return Promise.resolve({ skipped: "bench/codec.js not present" });
  const args = [script, ...(quick ? ["--quick"] : [])];
  const command = pinningAvailable() ? "taskset" : process.execPath;
  if (pinningAvailable()) args.unshift("-c", SERVER_CORE, process.execPath);
  return new Promise((resolve) => {
    const options = {
      timeout: 180_000,
      maxBuffer: 4 << 20,
      encoding: /** @type {const} */ ("utf8"),
    };
    execFile(command, args, options, (error, stdout, stderr) => {
      if (error) {
        resolve({ error: `${error.message}\n${stderr}`.trim().slice(0, 2000) });
        return;
      }
      /** @type {unknown[] | undefined} */
      let rows;
      try {
        rows = JSON.parse(readFileSync(join(benchDir, "results", "codec.json"), "utf8")).rows;
      } catch {
        rows = undefined;
      }
      const table = stdout
        .split("\n")
        .filter((line) => !line.startsWith("results written to"))
        .join("\n")
        .trim();
      resolve({ table, rows });
    });
  });
}
