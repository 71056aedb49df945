import { defineConfig } from "tsup";

export default defineConfig({
  // v3 is its own entry (`@parley/protocol/v3`): the default entry never imports it, so it
  // stays out of the client bundle.
  entry: { index: "src/index.ts", "v3/index": "src/v3/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
