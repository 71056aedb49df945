import { defineConfig } from "tsup";

export default defineConfig({
  // v3 is its own entry (`@parley/protocol/v3`): the default entry never imports it, so it
  // stays out of the client bundle.
  entry: { index: "src/index.ts", "v3/index": "src/v3/index.ts" },
  format: ["esm", "cjs"],
  // Both entries share one chunk in CommonJS too, as they do in ESM (esbuild splits only ESM
  // by default): with a copy per entry, a v3 decoder's ProtocolError is not `instanceof` the
  // main entry's class, and the server took a refused v3 body for a list of packets.
  splitting: true,
  // tsup's declaration build sets `baseUrl` to this directory, and tsconfig.base.json's `paths`
  // (relative to the repository root, where they map @parley/* to src/) would then miss.
  dts: { compilerOptions: { baseUrl: "../.." } },
  sourcemap: true,
  clean: true,
  target: "es2022",
});
