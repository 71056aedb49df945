// Test programs run in child processes (node:cluster apps, killable servers) are bundled
// from TypeScript sources: esbuild follows tsconfig.base.json's `paths`, so a child runs the
// code under test, never a stale dist/.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** tsconfig.base.json's `paths` map every @parley/* import to its sources. */
const TSCONFIG = fileURLToPath(new URL("../../tsconfig.base.json", import.meta.url));

/** A bundled program: `file` to run with node, `dispose()` to remove it. */
export interface Bundle {
  readonly file: string;
  dispose(): void;
}

/** Bundles `entry` (and everything it imports) into one ESM file in a fresh temp directory. */
export async function bundleEntry(entry: string, prefix = "parley-test-"): Promise<Bundle> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, "main.mjs");
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: file,
    logLevel: "error",
    tsconfig: TSCONFIG,
    external: ["bufferutil", "utf-8-validate"],
    // Bundled CommonJS dependencies (ws, redis, sticky, debug) call require() for built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
