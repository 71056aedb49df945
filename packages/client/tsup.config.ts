import { rmSync } from "node:fs";
import { defineConfig, type Options } from "tsup";

// Two entry points: Node (`index`, uses `ws`) and browsers (`browser`, no Node imports).
// The IIFE/ESM browser bundles are built separately by scripts/build-browser.mjs.

// The builds below share dist/: it is emptied once, here, so that no build's `clean` can
// delete what another one wrote.
rmSync("dist", { recursive: true, force: true });

const code: Options = {
  format: ["esm", "cjs"],
  sourcemap: true,
  clean: false,
  target: "es2022",
  // `const io = require("@parley/client")` works as with socket.io-client: the CommonJS
  // export is the io() function itself, carrying every named export as a property.
  footer: ({ format }) =>
    format === "cjs"
      ? { js: "module.exports = Object.assign(module.exports.default, module.exports);" }
      : {},
};

export default defineConfig([
  // Node: esbuild renames the exported `Manager` (it extends the base `Manager`) to `Manager2`;
  // keepNames gives classes their real names back, for stack traces and `constructor.name`.
  { ...code, entry: ["src/index.ts"], keepNames: true },
  // Browsers, and bundlers building for them: no keepNames, whose `__name` calls would add
  // about 2 KB (min+gzip) to a bundle. Its own build, so the Node entry's keepNames stays out.
  { ...code, entry: ["src/browser.ts"] },
  // Declarations of both entries, in one build so they share one declaration of each type.
  {
    entry: ["src/index.ts", "src/browser.ts"],
    format: ["esm", "cjs"],
    // tsup sets the declaration build's `baseUrl` to this directory, and tsconfig.base.json's
    // `paths` (relative to the repository root, where they map @parley/* to src/) would miss.
    dts: { only: true, compilerOptions: { baseUrl: "../.." } },
    clean: false,
    target: "es2022",
  },
]);
