// engine.io's server tests (packages/engine.io/test), with the server under test at
// @parley/server/engine (which exports engine.io's top-level names itself) and the
// official engine.io-client (engine.io-client 3.x with EIO_CLIENT=3) as clients.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { missingModule, rewriteSpecifiers } from "../lib/rewrite.mjs";
import { SCRATCH } from "../lib/scratch.mjs";
import { extract, listFiles } from "../lib/source.mjs";

// webtransport.mjs needs @fails-components/webtransport (an HTTP/3 binary) and imports
// engine.io's build/ directly; Parley has no WebTransport. util.mjs and common.js hold helpers.
const SPECS = ["test/engine.io.js", "test/server.js", "test/middlewares.js", "test/parser.js"];

/** @param {{ name: string, title: string, env: Record<string, string> }} spec */
function engineSuite(spec) {
  return {
    name: spec.name,
    title: spec.title,
    timeoutMs: 20 * 60_000,
    /** @param {import("../run.mjs").SuiteContext} ctx */
    async setup(ctx) {
      const dir = ctx.dir;
      const missing = extract(ctx.source, "packages/engine.io/test", join(dir, "test"));
      writeFileSync(join(dir, "package.json"), '{ "type": "commonjs" }\n');
      const official = ctx.target === "official";
      const pkg = official ? "engine.io" : "@parley/server/engine";
      // parser.js unit-tests engine.io's internal Engine.IO v3 codec (build/parser-v3).
      const parserV3 = official
        ? join(SCRATCH, "node_modules/engine.io/build/parser-v3/index.js")
        : missingModule(dir, "engine.io/build/parser-v3");
      for (const file of listFiles(dir).filter((f) => f.endsWith(".js"))) {
        rewriteSpecifiers(dir, file, {
          "..": pkg,
          "../package.json": official ? "engine.io/package.json" : "@parley/server/package.json",
          "../build/parser-v3/index.js": parserV3,
        });
      }
      return { missing, files: SPECS, args: [], env: spec.env };
    },
  };
}

export const engine = engineSuite({
  name: "engine",
  title: "engine.io server tests",
  env: {},
});

export const engineV3 = engineSuite({
  name: "engine-v3",
  title: "engine.io server tests with engine.io-client 3.x (optional)",
  env: { EIO_CLIENT: "3" },
});
