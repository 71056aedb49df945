// The scratch directory (test/upstream/.work/, git-ignored): the suites' npm dependencies,
// Parley's packages linked in by name, and one fresh directory per suite run.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(dirname(HERE));
export const SCRATCH = join(HERE, ".work");
export const RESULTS = join(HERE, "results");

const PARLEY_PACKAGES = ["protocol", "server", "client", "redis-adapter"];

/**
 * Installs test/upstream/package.json's dependencies into .work/ when that file changed since
 * the last install, then links @parley/* to the workspace packages (their built dist/).
 */
export function prepareScratch() {
  mkdirSync(SCRATCH, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  const manifest = readFileSync(join(HERE, "package.json"), "utf8");
  const hash = createHash("sha256").update(manifest).digest("hex");
  const stamp = join(SCRATCH, ".installed");
  const installed = existsSync(stamp) ? readFileSync(stamp, "utf8") : "";
  if (installed !== hash) {
    writeFileSync(join(SCRATCH, "package.json"), manifest);
    console.log("[upstream] installing the suites' dependencies into test/upstream/.work/ …");
    // --prefix keeps npm from taking the root workspace as the project.
    execFileSync(
      "npm",
      [
        "install",
        "--prefix",
        SCRATCH,
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--ignore-scripts",
        "--loglevel=error",
      ],
      { stdio: "inherit", cwd: SCRATCH },
    );
    writeFileSync(stamp, hash);
  }
  linkParley();
}

// npm prunes what it did not install, so the links are made after every install.
function linkParley() {
  const scope = join(SCRATCH, "node_modules", "@parley");
  mkdirSync(scope, { recursive: true });
  for (const name of PARLEY_PACKAGES) {
    const link = join(scope, name);
    const target = join(ROOT, "packages", name);
    rmSync(link, { force: true, recursive: true });
    symlinkSync(relative(scope, target), link, "dir");
  }
}

/** Fails early, with the fix, when Parley's packages have not been built. */
export function checkBuilt() {
  const required = [
    "packages/protocol/dist/index.cjs",
    "packages/server/dist/index.cjs",
    "packages/server/dist/engine/index.cjs",
    "packages/client/dist/index.cjs",
  ];
  const missing = required.filter((p) => !existsSync(join(ROOT, p)));
  if (missing.length > 0) {
    throw new Error(`Parley is not built (${missing.join(", ")} missing): run \`npm run build\``);
  }
  // A stale build silently tests yesterday's code: say so when src/ is newer than dist/.
  const built = statSync(join(ROOT, "packages/server/dist/index.cjs")).mtimeMs;
  const newest = newestMtime(join(ROOT, "packages/server/src"));
  if (newest > built) {
    console.warn("[upstream] warning: packages/server/src is newer than its dist/ (npm run build)");
  }
}

/** @param {string} dir */
function newestMtime(dir) {
  let newest = 0;
  for (const file of readdirSync(dir, { recursive: true })) {
    newest = Math.max(newest, statSync(join(dir, String(file))).mtimeMs);
  }
  return newest;
}

/**
 * A fresh, empty directory for one suite's files.
 * @param {string} name
 */
export function freshSuiteDir(name) {
  const dir = join(SCRATCH, name);
  rmSync(dir, { force: true, recursive: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
