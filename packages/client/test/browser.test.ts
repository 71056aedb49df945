import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { Server as ParleyServer } from "@parley/server";
import type { Browser } from "playwright-core";
import { Server as SocketIoServer } from "socket.io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../../../test/support/chromium.js";

const hasChromium = chromiumAvailable("the client's browser tests");

const pkg = fileURLToPath(new URL("..", import.meta.url));

/** The page's script: connects with `io()` (the page's origin) and reports what it saw. */
const PAGE_SCRIPT = `
async function run(io, transports) {
  const socket = io({ transports, forceNew: true });
  const seen = {};
  await new Promise((resolve, reject) => {
    socket.on("connect", resolve);
    socket.on("connect_error", reject);
  });
  seen.connected = socket.connected;
  seen.echo = await socket.timeout(5000).emitWithAck("echo", "hi");
  const bin = await socket.emitWithAck("bytes", new Uint8Array([1, 2, 3]), new Blob([new Uint8Array([4])]));
  seen.binaryType = Object.prototype.toString.call(bin[0]);
  seen.bytes = [...new Uint8Array(bin[0]), ...new Uint8Array(bin[1])];
  const canUpgrade = transports.length > 1 && typeof WebSocket === "function";
  if (canUpgrade && socket.io.engine.transport.name !== "websocket") {
    await new Promise((resolve) => socket.io.engine.on("upgrade", resolve));
  }
  seen.transport = socket.io.engine.transport.name;
  seen.reason = await new Promise((resolve) => {
    socket.on("disconnect", resolve);
    socket.disconnect();
  });
  return seen;
}
`;

/**
 * Where the page loads the client from: against socket.io, the bundles freshly built into a
 * temporary directory; against Parley, the files the Parley server itself serves under
 * /socket.io/ (from @parley/client's dist/browser, as a user's page would load them).
 */
type Target = "socket.io" | "parley";

function scriptUrl(target: Target, kind: "iife" | "esm"): string {
  if (target === "parley") {
    return kind === "iife" ? "/socket.io/socket.io.js" : "/socket.io/socket.io.esm.min.js";
  }
  return kind === "iife" ? "/dist/socket.io.min.js" : "/dist/socket.io.esm.min.js";
}

function page(target: Target, kind: "iife" | "esm"): string {
  return kind === "iife"
    ? `<!doctype html><script src="${scriptUrl(target, kind)}"></script>
       <script>${PAGE_SCRIPT}
       window.runTest = (t) => run(io, t);
       window.globals = { io: typeof io, Manager: typeof io.Manager, Socket: typeof io.Socket, connect: typeof io.connect };
       </script>`
    : `<!doctype html><script type="module">
       import { io } from "${scriptUrl(target, kind)}";
       ${PAGE_SCRIPT}
       window.runTest = (t) => run(io, t);
       </script>`;
}

const servedBundle = `${pkg}dist/browser/socket.io.js`;
if (!existsSync(servedBundle) && process.env.CI === "true") {
  throw new Error(`${servedBundle} missing: run npm run build first (CI=true)`);
}

describe.skipIf(!hasChromium).each(["socket.io", "parley"] as const)(
  "browser bundles in Chromium, served by %s",
  (target) => {
    let http: HttpServer;
    let close: () => Promise<void>;
    let browser: Browser;
    let origin: string;
    // Built fresh by the real build script, into a directory of its own so that tests reading
    // dist/browser elsewhere never see a half-written file.
    let bundleDir: string;

    beforeAll(async () => {
      bundleDir = mkdtempSync(`${tmpdir()}/parley-client-bundles-`);
      execFileSync(process.execPath, [`${pkg}scripts/build-browser.mjs`, bundleDir], {
        stdio: "pipe",
      });
      http = createServer((req, res) => {
        const url = req.url ?? "/";
        if (url === "/iife" || url === "/esm") {
          res
            .writeHead(200, { "content-type": "text/html" })
            .end(page(target, url === "/iife" ? "iife" : "esm"));
        } else if (url.startsWith("/dist/") && /^[\w.]+$/.test(url.slice(6))) {
          res.writeHead(200, { "content-type": "text/javascript" });
          res.end(readFileSync(`${bundleDir}/${url.slice(6)}`));
        } else if (!url.startsWith("/socket.io/")) {
          res.writeHead(404).end();
        }
      });
      const onConnection = (socket: {
        on(ev: string, fn: (...args: never[]) => void): unknown;
      }): void => {
        socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
        socket.on("bytes", (a: Buffer, b: Buffer, ack: (v: unknown) => void) => ack([a, b]));
      };
      if (target === "parley") {
        const parley = new ParleyServer(http);
        parley.on("connection", onConnection);
        close = () => parley.close();
      } else {
        const sio = new SocketIoServer(http, { serveClient: false });
        sio.on("connection", onConnection);
        close = () => new Promise((resolve) => sio.close(() => resolve()));
      }
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await close?.();
      rmSync(bundleDir, { recursive: true, force: true });
    });

    it.each([
      ["iife", ["polling", "websocket"]],
      ["iife", ["websocket"]],
      ["iife", ["polling"]],
      ["esm", ["polling", "websocket"]],
    ] as const)(
      "%s bundle over %j connects, emits and receives binary",
      async (kind, transports) => {
        const tab = await browser.newPage();
        const errors: string[] = [];
        tab.on("pageerror", (err) => errors.push(String(err)));
        try {
          await tab.goto(`${origin}/${kind}`);
          await tab.waitForFunction(() => "runTest" in window);
          if (kind === "iife") {
            expect(
              await tab.evaluate(() => (window as unknown as { globals: unknown }).globals),
            ).toEqual({
              io: "function",
              Manager: "function",
              Socket: "function",
              connect: "function",
            });
          }
          const seen = await tab.evaluate(
            (t) => (window as unknown as { runTest(t: string[]): Promise<unknown> }).runTest(t),
            [...transports],
          );
          expect(seen).toEqual({
            connected: true,
            echo: "hi",
            binaryType: "[object ArrayBuffer]",
            bytes: [1, 2, 3, 4],
            transport: transports.length > 1 ? "websocket" : transports[0],
            reason: "io client disconnect",
          });
          expect(errors).toEqual([]);
        } finally {
          await tab.close();
        }
      },
    );

    it("uses polling only when the page has no WebSocket", async () => {
      const tab = await browser.newPage();
      try {
        await tab.addInitScript(() => {
          // biome-ignore lint/suspicious/noExplicitAny: deleting a DOM global for the test
          delete (window as any).WebSocket;
        });
        await tab.goto(`${origin}/iife`);
        await tab.waitForFunction(() => "runTest" in window);
        const seen = await tab.evaluate(() =>
          (window as unknown as { runTest(t: string[]): Promise<unknown> })
            .runTest(["polling", "websocket"])
            .catch((e) => ({ transport: `failed: ${e}` })),
        );
        expect(seen).toEqual(expect.objectContaining({ transport: "polling", echo: "hi" }));
      } finally {
        await tab.close();
      }
    });
  },
);
