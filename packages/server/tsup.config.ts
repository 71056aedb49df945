import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "engine/index": "src/engine/index.ts",
    "adapter/index": "src/adapter/index.ts",
  },
  format: ["esm", "cjs"],
  // Code shared by the entries lives in shared chunks, in CJS too (tsup splits only ESM by
  // default): otherwise dist/adapter/index.cjs would carry its own copy of every class and
  // `instanceof` would fail across require("@parley/server") and "@parley/server/adapter".
  splitting: true,
  shims: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
