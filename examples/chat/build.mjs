// Builds the chat: the server for Node (dist/server.js) and the page script for browsers
// (dist/public/app.js). @parley/* and redis stay external on the server: they are the
// workspace's own builds and a real dependency, resolved from node_modules at run time.
import { build } from "esbuild";

const common = { bundle: true, sourcemap: true, logLevel: "warning", legalComments: "none" };

await Promise.all([
  build({
    ...common,
    entryPoints: ["src/server.ts"],
    outfile: "dist/server.js",
    platform: "node",
    target: "node20",
    format: "cjs",
    external: ["@parley/*", "redis"],
  }),
  build({
    ...common,
    entryPoints: ["src/page/main.ts"],
    outfile: "dist/public/app.js",
    platform: "browser",
    target: ["chrome100", "firefox100", "safari15"],
    format: "iife",
    minify: true,
  }),
]);
