import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, next, onCleanup, startServer } from "./helpers.js";

// Node's long-polling runs on node:http(s) (engine/http-request.ts), not on the global fetch.

describe("the Node client's polling requests", () => {
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    dir = mkdtempSync(`${tmpdir()}/parley-client-http-`);
    bundle = `${dir}/client.cjs`;
    await build({
      entryPoints: [new URL("../src/index.ts", import.meta.url).pathname],
      bundle: true,
      platform: "node",
      format: "cjs",
      external: ["bufferutil", "utf-8-validate"],
      outfile: bundle,
      logLevel: "error",
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Node 20 compiles undici on the first use of fetch (or Headers, Response): tens of ms
  // before a client's first connection that node:http, already loaded by ws, does not cost.
  it("never load undici (Node's fetch)", async () => {
    const server = await startServer({}, (io) =>
      io.on("connection", (s) => s.on("echo", (v, ack) => ack(v))),
    );
    const script = `const { io } = require(${JSON.stringify(bundle)});
const socket = io(${JSON.stringify(server.url)}, { transports: ["polling"], withCredentials: true });
socket.emit("echo", "x", () => {
  console.log(process.moduleLoadList.filter((m) => m.includes("undici")).length);
  process.exit(0);
});`;
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, ["-e", script], (err, out) =>
        err ? reject(err) : resolve(out),
      );
      onCleanup(() => child.kill());
    });
    expect(stdout).toBe("0\n");
  });

  it("follow redirects, as fetch does", async () => {
    const server = await startServer({}, (io) =>
      io.on("connection", (s) => s.on("echo", (v, ack) => ack(v))),
    );
    // A front that sends /moved/… to /socket.io/… with a 307 (POSTs keep their body).
    const front = createServer((req, res) => {
      if (req.url?.startsWith("/moved/")) {
        res.writeHead(307, { location: `${server.url}/socket.io/${req.url.slice(7)}` });
        res.end();
        return;
      }
      req.pipe(
        request(`${server.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        }),
      );
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    onCleanup(() => new Promise((resolve) => front.close(resolve)));
    const port = (front.address() as AddressInfo).port;
    const socket = connect(`http://127.0.0.1:${port}`, {
      path: "/moved/",
      transports: ["polling"],
    });
    await next(socket, "connect");
    expect(await socket.emitWithAck("echo", "redirected")).toBe("redirected");
  });
});
