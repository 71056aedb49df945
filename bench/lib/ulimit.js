// Where the soft limit on open files is below the hard one, re-run the bench under a shell
// that raises it (`ulimit -n`), so the servers and load generators can hold tens of thousands
// of sockets. Node has no setrlimit of its own.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { openFilesLimits } from "./machine.js";

const WANTED = 65_536;
const MARK = "PARLEY_BENCH_ULIMIT";

/**
 * Returns normally when no raise is needed or possible; otherwise runs this same command in a
 * child with the raised limit and exits with its status.
 */
export function raiseOpenFilesLimit() {
  if (process.env[MARK] !== undefined || !existsSync("/bin/sh")) return;
  const { soft, hard } = openFilesLimits();
  const target = Math.min(hard, WANTED);
  if (soft >= target) return;
  const command = [process.execPath, ...process.execArgv, ...process.argv.slice(1)]
    .map((arg) => `'${arg.replaceAll("'", "'\\''")}'`)
    .join(" ");
  const child = spawnSync("/bin/sh", ["-c", `ulimit -n ${target} && exec ${command}`], {
    stdio: "inherit",
    env: { ...process.env, [MARK]: "1" },
  });
  process.exit(child.status ?? 1);
}
