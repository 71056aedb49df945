import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  // tsup's declaration build sets `baseUrl` to this directory, and tsconfig.base.json's `paths`
  // (relative to the repository root, where they map @parley/* to src/) would then miss.
  dts: { compilerOptions: { baseUrl: "../.." } },
  sourcemap: true,
  clean: true,
  target: "es2022",
});
