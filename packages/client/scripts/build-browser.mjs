// Browser bundles, written to dist/browser/ (the server serves them at /socket.io/*.js):
//   socket.io.js         IIFE defining the global `io`, readable, with source map
//   socket.io.min.js     the same, minified
//   socket.io.esm.min.js ES module (`import { io } from ".../socket.io.esm.min.js"`), minified
//   socket.io.msgpack.min.js  the IIFE with socket.io-msgpack-parser as its parser, minified
//     (as socket.io-client's bundle of that name; its own entry, so that neither the parser
//     nor the `parser` option's adapter reaches socket.io.min.js)
// They are built from the TypeScript sources (esbuild follows tsconfig.base.json's `paths` to
// packages/*/src), from the browser entry point, so neither `ws` nor any Node module can end up
// inside; the build fails if one does.
import { build } from "esbuild";
import { inlineConstants } from "./inline-constants.mjs";

const root = new URL("..", import.meta.url).pathname;
// An output directory may be given (the browser test builds into a temporary one).
const outdir = process.argv[2] ?? `${root}dist/browser`;

/** @type {import("esbuild").BuildOptions} */
const common = {
  absWorkingDir: root,
  bundle: true,
  sourcemap: true,
  platform: "browser",
  // Browsers from 2021 on: native private fields and methods, no transpiled helpers.
  target: ["chrome91", "firefox90", "safari15", "edge91"],
  legalComments: "none",
  // Browsers have no Buffer: let the codec's Node fast path (base64 through Buffer) fold away.
  define: { "globalThis.Buffer": "undefined" },
  metafile: true,
  logLevel: "warning",
  plugins: [inlineConstants(`${root}../protocol/src`)],
  mangleProps: /^_/,
  reserveProps: /^_(placeholder|close)$/,
};

const builds = [
  { entryPoints: ["src/global.ts"], format: "iife", outfile: `${outdir}/socket.io.js` },
  {
    entryPoints: ["src/global.ts"],
    format: "iife",
    minify: true,
    outfile: `${outdir}/socket.io.min.js`,
  },
  {
    entryPoints: ["src/browser.ts"],
    format: "esm",
    minify: true,
    outfile: `${outdir}/socket.io.esm.min.js`,
  },
  {
    entryPoints: ["src/global-msgpack.ts"],
    format: "iife",
    minify: true,
    outfile: `${outdir}/socket.io.msgpack.min.js`,
  },
];

for (const options of builds) {
  const result = await build({ ...common, ...options });
  const inputs = Object.keys(result.metafile.inputs);
  const foreign = inputs.filter((p) => p.includes("node_modules/ws/") || p.startsWith("node:"));
  if (foreign.length > 0) {
    throw new Error(`${options.outfile} pulls in Node-only modules: ${foreign.join(", ")}`);
  }
}
console.log(`browser bundles written to ${outdir}`);
