import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/emitter.ts"],
  format: ["esm", "cjs"],
  // One copy of each class for both entries in CommonJS too (tsup splits only ESM by default):
  // `require("@parley/redis-adapter").Emitter` is `require("@parley/redis-adapter/emitter").Emitter`.
  splitting: true,
  // Rollup, not sucrase, writes the split CommonJS: classes keep their names and the ES2022
  // code is left alone (see packages/server/tsup.config.ts).
  treeshake: true,
  // Node only: real class names in stack traces even where esbuild renames a class.
  keepNames: true,
  // tsup's declaration build sets `baseUrl` to this directory, and tsconfig.base.json's `paths`
  // (relative to the repository root, where they map @parley/* to src/) would then miss.
  dts: { compilerOptions: { baseUrl: "../.." } },
  sourcemap: true,
  clean: true,
  target: "es2022",
});
