// socket.io's server tests (packages/socket.io/test), with the server under test at
// @parley/server and the official socket.io-client (and socket.io-client 2.x) as clients.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { replaceExact, rewriteSpecifiers } from "../lib/rewrite.mjs";
import { extract, listFiles } from "../lib/source.mjs";
import { substituteFixtures } from "./fixtures.mjs";

export const server = {
  name: "server",
  title: "socket.io server tests",
  timeoutMs: 20 * 60_000,
  /** @param {import("../run.mjs").SuiteContext} ctx */
  async setup(ctx) {
    const dir = ctx.dir;
    const missing = extract(ctx.source, "packages/socket.io/test", join(dir, "test"));
    // The test files are CommonJS TypeScript; the workspace root says "type": "module".
    writeFileSync(join(dir, "package.json"), '{ "type": "commonjs" }\n');
    const pkg = ctx.target === "official" ? "socket.io" : "@parley/server";
    for (const file of listFiles(dir).filter((f) => f.endsWith(".ts"))) {
      rewriteSpecifiers(dir, file, {
        "..": pkg,
        "../..": pkg,
        // server-attachment.ts compares the served bundle's ETag with the server's version.
        "../package.json": `${pkg}/package.json`,
      });
    }
    // uws.ts needs uWebSockets.js, a binary from GitHub (not on the registry), and Parley has
    // no uWS engine: it is left out, as in the count of 194.
    replaceExact(dir, "test/index.ts", 'require("./uws");', "", 1);
    const substituted = substituteFixtures(dir, "test", missing);
    return {
      missing: missing.filter((f) => !substituted.includes(f)),
      substituted,
      files: ["test/index.ts"],
      args: ["--import=tsx", "--timeout", "10000", "--slow", "200"],
    };
  },
};
