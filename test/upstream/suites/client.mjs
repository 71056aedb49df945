// socket.io-client's Node tests (packages/socket.io-client/test), with the client under test at
// @parley/client and the official socket.io server their support/server.ts starts.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../lib/ports.mjs";
import { missingModule, replaceExact, rewriteSpecifiers } from "../lib/rewrite.mjs";
import { HERE, SCRATCH } from "../lib/scratch.mjs";
import { extract, listFiles } from "../lib/source.mjs";

export const client = {
  name: "client",
  title: "socket.io-client tests (Node)",
  timeoutMs: 15 * 60_000,
  /** @param {import("../run.mjs").SuiteContext} ctx */
  async setup(ctx) {
    const dir = ctx.dir;
    const missing = extract(ctx.source, "packages/socket.io-client/test", join(dir, "test"));
    writeFileSync(join(dir, "package.json"), '{ "type": "commonjs" }\n');
    const official = ctx.target === "official";
    const pkg = official ? "socket.io-client" : "@parley/client";
    // url.ts unit-tests socket.io-client's internal url() helper (build/cjs/url), which is not
    // part of its public API; Parley has no such export.
    const url = official
      ? // A file path: the package's "exports" does not list its build/ files.
        join(SCRATCH, "node_modules/socket.io-client/build/cjs/url.js")
      : missingModule(dir, "socket.io-client/build/cjs/url");
    for (const file of listFiles(dir).filter((f) => f.endsWith(".ts"))) {
      rewriteSpecifiers(dir, file, { "..": pkg, "../..": pkg, "../build/cjs/url": url });
    }
    // The suite hard-codes port 3210 for its server; a free one avoids clashes on a shared
    // machine. The unref fixtures are child processes that connect to the same server.
    const port = String(await freePort());
    replaceExact(dir, "test/support/util.ts", "localhost:3210", `localhost:${port}`, 1);
    replaceExact(dir, "test/support/server.ts", "new Server(3210,", `new Server(${port},`, 1);
    for (const fixture of ["unref.ts", "unref-polling-only.ts", "unref-websocket-only.ts"]) {
      replaceExact(dir, `test/fixtures/${fixture}`, "localhost:3210", `localhost:${port}`, 1);
    }
    return {
      missing,
      files: ["test/index.ts"],
      args: [
        "--import=tsx",
        "--require",
        "test/support/hooks.ts",
        "--require",
        join(HERE, "lib", "isolation.cjs"),
      ],
    };
  },
};
