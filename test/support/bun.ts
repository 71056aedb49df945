// The Bun binary for the tests that run Parley on Bun (test/bun/). The `bun` npm package (a
// root devDependency) ships it; where it is missing or cannot run, those tests are skipped
// with a loud notice, except with CI=true: then they fail.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "vitest";
import { type ServerProcess, startServer } from "./server-process.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A Bun binary that runs, or undefined. `BUN_PATH` first; then the npm package's binary (its
 * bin/bun.exe is the real binary once its postinstall ran, else a placeholder that fails).
 */
export function findBun(): { path: string; version: string } | undefined {
  const candidates = [
    process.env.BUN_PATH,
    join(ROOT, "node_modules", "bun", "bin", "bun.exe"),
    join(ROOT, "node_modules", ".bin", "bun"),
  ];
  for (const path of candidates) {
    if (path === undefined || path === "" || !existsSync(path)) continue;
    try {
      const version = execFileSync(path, ["--version"], { stdio: "pipe", timeout: 10_000 })
        .toString()
        .trim();
      return { path, version };
    } catch {
      // A placeholder or a binary for another machine: try the next.
    }
  }
  return undefined;
}

const bun = findBun();

/** `describe` when a Bun binary runs here, `describe.skip` (with a notice) otherwise. */
export function describeBun(): typeof describe {
  if (bun !== undefined) return describe;
  const msg =
    "no working Bun binary (node_modules/bun; `npm ci` installs it, or set BUN_PATH): " +
    "the Parley-on-Bun tests are SKIPPED";
  if (process.env.CI === "true") throw new Error(`${msg} (CI=true: failing)`);
  console.warn(`\n*** ${msg} ***\n`);
  return describe.skip as typeof describe;
}

/** Runs `script` with Bun (a TypeScript file is fine) until it prints its URL. */
export function startBunServer(
  script: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  if (bun === undefined) return Promise.reject(new Error("no Bun binary"));
  return startServer(script, env, 20_000, bun.path);
}
