import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  // Rollup, not sucrase, writes the CommonJS: classes keep their names and the ES2022 code is
  // left alone (see packages/server/tsup.config.ts).
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
