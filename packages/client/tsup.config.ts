import { defineConfig } from "tsup";

// Two entry points: Node (`index`, uses `ws`) and browsers (`browser`, no Node imports).
// The IIFE/ESM browser bundles are built separately by scripts/build-browser.mjs.
export default defineConfig({
  entry: ["src/index.ts", "src/browser.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // `const io = require("@parley/client")` works as with socket.io-client: the CommonJS
  // export is the io() function itself, carrying every named export as a property.
  footer: ({ format }) =>
    format === "cjs"
      ? { js: "module.exports = Object.assign(module.exports.default, module.exports);" }
      : {},
});
