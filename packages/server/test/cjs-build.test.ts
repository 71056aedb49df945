import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The CommonJS build as `require` users get it: the package's `require` entries, from dist/.
// It needs a build (`npm run build`; `.ci/run` builds before testing). Without one these tests
// are skipped with a notice, except under CI=true, where a missing build is an error.
// The checks run in a plain child `node`: the test worker maps @parley/* to src/ (the aliases
// in vitest.config.ts), which would load the sources instead of the build.
const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const built =
  existsSync(`${pkgDir}dist/index.cjs`) && existsSync(`${pkgDir}dist/adapter/index.cjs`);
if (!built) {
  const notice = `${pkgDir}dist/*.cjs missing: run \`npm run build\` to test the CommonJS build`;
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n*** SKIPPED: ${notice}\n`);
}

const clientBundle = fileURLToPath(
  new URL("../../client/dist/browser/socket.io.js", import.meta.url),
);

/** Runs `body` as a script (CommonJS unless told) in the package directory; returns its JSON. */
function runNode(body: string, type: "commonjs" | "module" = "commonjs"): unknown {
  const script = `${type === "commonjs" ? '"use strict";' : ""}
const out = (v) => process.stdout.write(JSON.stringify(v));
(async () => { ${body} })().catch((err) => { console.error(err); process.exit(1); });`;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const stdout = execFileSync(process.execPath, [`--input-type=${type}`, "-e", script], {
    cwd: pkgDir,
    env,
    encoding: "utf8",
    timeout: 15_000,
  });
  return JSON.parse(stdout);
}

describe.skipIf(!built)("CommonJS build", () => {
  it("resolves the package's require entries to cjs/ and dist/", () => {
    const resolved = runNode(`out([
      require.resolve("@parley/server"),
      require.resolve("@parley/server/adapter"),
      require.resolve("@parley/server/engine"),
    ]);`);
    expect(resolved).toEqual([
      `${pkgDir}cjs/index.cjs`,
      `${pkgDir}dist/adapter/index.cjs`,
      `${pkgDir}dist/engine/index.cjs`,
    ]);
  });

  it("shares one copy of each class between the entries, so instanceof holds", () => {
    const result = runNode(`
      const main = require("@parley/server");
      const adapter = require("@parley/server/adapter");
      const io = new main.Server();
      class Published extends adapter.ClusterAdapter { doPublish() {} }
      const clustered = new main.Server({ adapter: Published });
      out({
        sameInMemory: adapter.InMemoryAdapter === main.InMemoryAdapter,
        sameCluster: adapter.ClusterAdapter === main.ClusterAdapter,
        defaultAdapter: io.sockets.adapter instanceof adapter.InMemoryAdapter,
        userAdapter: clustered.sockets.adapter instanceof main.ClusterAdapter,
      });
      await io.close();
      await clustered.close();
    `);
    expect(result).toEqual({
      sameInMemory: true,
      sameCluster: true,
      defaultAdapter: true,
      userAdapter: true,
    });
  });

  it("refuses an Engine.IO v3 body that does not decode with 400, and the process goes on", () => {
    // @parley/protocol and @parley/protocol/v3 are two CommonJS entries: with a copy of
    // ProtocolError in each, the engine took the v3 decoder's error for a list of packets
    // and the process died iterating it.
    const result = runNode(`
      const { createServer } = require("node:http");
      const { ProtocolError } = require("@parley/protocol");
      const { decodePayloadV3 } = require("@parley/protocol/v3");
      const { Engine } = require("@parley/server/engine");
      const http = createServer();
      const engine = new Engine({ allowEIO3: true });
      engine.attach(http);
      await new Promise((r) => http.listen(0, "127.0.0.1", r));
      const base = "http://127.0.0.1:" + http.address().port + "/socket.io/?EIO=3&transport=polling";
      const open = await (await fetch(base + "&b64=1")).text();
      const sid = JSON.parse(open.slice(open.indexOf("{"))).sid;
      const post = await fetch(base + "&b64=1&sid=" + sid, { method: "POST", body: "garbage" });
      out({
        sharedClass: decodePayloadV3("x") instanceof ProtocolError,
        status: post.status,
        alive: (await fetch(base + "&b64=1")).status,
      });
      engine.close();
      http.close();
    `);
    expect(result).toEqual({ sharedClass: true, status: 400, alive: 200 });
  });

  it("is callable as the classic factory, with the named exports on it", () => {
    const result = runNode(`
      const parley = require("@parley/server");
      const { Server, Namespace } = parley;
      const io = parley();
      out({
        factory: io instanceof Server,
        namespace: io.sockets instanceof Namespace,
        defaultIsSelf: parley.default === parley,
        engine: typeof require("@parley/server/engine").Engine,
      });
      await io.close();
    `);
    expect(result).toEqual({
      factory: true,
      namespace: true,
      defaultIsSelf: true,
      engine: "function",
    });
  });

  it.skipIf(!existsSync(clientBundle))("both builds find @parley/client's bundles to serve", () => {
    const serve = (load: string) => `
        const { createServer } = require("node:http");
        const { Server } = ${load};
        const http = createServer();
        const io = new Server(http);
        await new Promise((r) => http.listen(0, "127.0.0.1", r));
        const res = await fetch("http://127.0.0.1:" + http.address().port + "/socket.io/socket.io.js");
        out(res.status);
        await io.close();`;
    expect(runNode(serve('require("@parley/server")'))).toBe(200);
    expect(
      runNode(
        `const require = (await import("node:module")).createRequire(process.cwd() + "/");
          ${serve('await import("@parley/server")')}`,
        "module",
      ),
    ).toBe(200);
  });

  it("its declarations type-check for a CommonJS TypeScript consumer", () => {
    const file = `${pkgDir}cjs-consumer-${process.pid}.cts`;
    writeFileSync(
      file,
      `import io = require("@parley/server");
import adapter = require("@parley/server/adapter");
const server: io.Server = io();
const typed = new io.Server<{ a(n: number): void }, { b(s: string): void }>({
  adapter: adapter.InMemoryAdapter,
  connectionStateRecovery: { maxDisconnectionDuration: 1000 },
});
typed.on("connection", (socket: io.Socket<{ a(n: number): void }, { b(s: string): void }>) => {
  socket.on("a", (n) => n.toFixed());
  socket.emit("b", "x");
  socket.use((event: io.Event, next) => next(event[0] === "a" ? undefined : new Error("no")));
});
const ok: boolean = server.sockets.adapter instanceof adapter.InMemoryAdapter;
export { ok };
`,
    );
    try {
      const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
      const args = ["--noEmit", "--strict", "--module", "nodenext", "--types", "node", file];
      execFileSync(process.execPath, [tsc, ...args], { cwd: pkgDir, encoding: "utf8" });
    } catch (err) {
      throw new Error(String((err as { stdout?: string }).stdout ?? err));
    } finally {
      rmSync(file, { force: true });
    }
    // One tsc run over the package's declarations and @types/node: ~10 s alone, several times
    // that on a loaded 2-core machine. A bound, not a speed check.
  }, 90_000);
});
