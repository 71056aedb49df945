import { rmSync } from "node:fs";
import { defineConfig } from "tsup";

const entry = {
  index: "src/index.ts",
  "engine/index": "src/engine/index.ts",
  "adapter/index": "src/adapter/index.ts",
  "metrics/index": "src/metrics/index.ts",
  "dashboard/index": "src/dashboard/index.ts",
};

// The two builds below share dist/: it is emptied once, here, so that neither build's `clean`
// can delete what the other one wrote.
rmSync("dist", { recursive: true, force: true });

export default defineConfig([
  // The code, as CommonJS only. Node's `import` entries (esm/*.js) re-export this build, so a
  // process that loads @parley/server both ways (an ESM app with a CommonJS library, NestJS…)
  // still has one Server, one Engine, one ClusterAdapter: `instanceof` and shared state hold.
  {
    entry,
    format: ["cjs"],
    // Code shared by the entries lives in shared chunks, so dist/adapter/index.cjs has no copy
    // of its own of any class: `instanceof` holds across "@parley/server" and its subpaths.
    splitting: true,
    // tsup converts split CommonJS with sucrase, which renames every class with fields
    // (`_class9` in stack traces) and rewrites `?.`/`??` into helper calls; with treeshake,
    // Rollup writes the CommonJS instead and leaves the ES2022 code alone.
    treeshake: true,
    // esbuild still renames a class that refers to itself (`_Session`): keep the real names,
    // for stack traces and `constructor.name`. Node only, so the bytes do not matter.
    keepNames: true,
    shims: true,
    sourcemap: true,
    clean: false,
    target: "es2022",
  },
  // Declarations for both entry kinds (dist/**/*.d.ts for import, *.d.cts for require).
  {
    entry,
    format: ["esm", "cjs"],
    // tsup sets the declaration build's `baseUrl` to this directory, and tsconfig.base.json's
    // `paths` (relative to the repository root, where they map @parley/* to src/) would miss.
    dts: { only: true, compilerOptions: { baseUrl: "../.." } },
    clean: false,
    target: "es2022",
  },
]);
