import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import type { Server } from "socket.io";
import { Server as SocketIoServer } from "socket.io";
import * as msgpack from "socket.io-msgpack-parser";
import * as socketIoParser from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../../../test/support/chromium.js";
import { browserPlatform } from "../src/engine/platform.js";
import type { Parser, Socket } from "../src/index.js";
import { Manager as BaseManager } from "../src/manager.js";
import { connect, next, onCleanup, startServer, TRANSPORT_MODES } from "./helpers.js";

// The official socket.io 4.8 server with socket.io-msgpack-parser on both ends, as that
// parser's README sets it up; Parley's server gets the option on its own branch.
const msgpackParser = msgpack as unknown as Parser;

function setup(io: Server) {
  io.use((socket, next) =>
    socket.handshake.auth.token === "bad" ? next(new Error("refused")) : next(),
  );
  io.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
    socket.emit("welcome", { n: 1, bytes: Buffer.from([7, 8]) });
  });
  io.of("/admin").on("connection", (socket) => socket.emit("where", socket.nsp.name));
}

describe.each(TRANSPORT_MODES)("parser: socket.io-msgpack-parser over $name", ({ transports }) => {
  const start = () => startServer({ parser: msgpack }, setup);

  it("connects, receives events with binary, and gets acks", async () => {
    const server = await start();
    const socket = connect(server.url, { transports, parser: msgpackParser });
    const [welcome] = await next<[{ n: number; bytes: Buffer }]>(socket, "welcome");
    expect(welcome.n).toBe(1);
    expect([...welcome.bytes]).toEqual([7, 8]);
    const reply = await socket.emitWithAck("echo", "text", 42, { deep: [true] }, Buffer.from([1]));
    expect(reply).toBe("text");
    const all = await new Promise<unknown[]>((resolve) =>
      socket.emit("echo", "a", Buffer.from([1, 2]), (...args: unknown[]) => resolve(args)),
    );
    expect(all[0]).toBe("a");
    expect([...(all[1] as Buffer)]).toEqual([1, 2]);
  });

  it("joins another namespace on the same connection, and gets CONNECT_ERROR data", async () => {
    const server = await start();
    const main = connect(server.url, { transports, parser: msgpackParser });
    await next(main, "connect");
    const admin = main.io.socket("/admin");
    expect(await next(admin, "where")).toEqual(["/admin"]);
    const refused = connect(server.url, {
      transports,
      parser: msgpackParser,
      auth: { token: "bad" },
    });
    const [err] = await next<[Error]>(refused, "connect_error");
    expect(err.message).toBe("refused");
  });
});

describe("parser: any socket.io-parser-shaped parser", () => {
  it("socket.io-parser itself, passed as a custom parser, works as the default codec does", async () => {
    const server = await startServer({}, setup);
    const socket = connect(server.url, { parser: socketIoParser as unknown as Parser });
    const [welcome] = await next<[{ bytes: Buffer }]>(socket, "welcome");
    expect([...welcome.bytes]).toEqual([7, 8]);
    expect(await socket.emitWithAck("echo", "x")).toBe("x");
  });

  it("a decoder that throws ends the connection with 'parse error', then reconnects", async () => {
    const server = await startServer({}, setup);
    let calls = 0;
    class Decoder extends socketIoParser.Decoder {
      override add(chunk: unknown): void {
        if (++calls === 2) throw new Error("boom");
        super.add(chunk);
      }
    }
    const parser = { Encoder: socketIoParser.Encoder, Decoder } as unknown as Parser;
    const socket = connect(server.url, { transports: ["websocket"], parser });
    const [reason] = await next<[string]>(socket.io, "close");
    expect(reason).toBe("parse error");
    await next(socket, "connect");
  });

  it("a packet of the wrong shape from a decoder is a 'parse error', not a crash", async () => {
    const server = await startServer({}, setup);
    class Decoder extends socketIoParser.Decoder {
      override add(chunk: unknown): void {
        if (typeof chunk === "string" && !chunk.startsWith("0")) {
          this.emitReserved("decoded", { type: 2, nsp: "/", data: "not an array" } as never);
          return;
        }
        super.add(chunk);
      }
    }
    const parser = { Encoder: socketIoParser.Encoder, Decoder } as unknown as Parser;
    const socket = connect(server.url, { transports: ["websocket"], parser });
    const [reason] = await next<[string]>(socket.io, "close");
    expect(reason).toBe("parse error");
  });

  it("the default browser bundle's Manager refuses the option instead of ignoring it", () => {
    expect(
      () =>
        new BaseManager(
          "http://localhost",
          { parser: msgpackParser, autoConnect: false },
          browserPlatform,
        ),
    ).toThrow("parser: use socket.io.msgpack.min.js or the npm package");
  });
});

const pkg = fileURLToPath(new URL("..", import.meta.url));

describe.skipIf(!chromiumAvailable("the msgpack bundle's browser test"))(
  "socket.io.msgpack.min.js in Chromium",
  () => {
    it("talks msgpack to a socket.io server with the same parser, with no option", async () => {
      const dir = mkdtempSync(`${tmpdir()}/parley-msgpack-bundle-`);
      onCleanup(() => rmSync(dir, { recursive: true, force: true }));
      execFileSync(process.execPath, [`${pkg}scripts/build-browser.mjs`, dir], { stdio: "pipe" });
      const http = createServer((req, res) => {
        if (req.url === "/") {
          res.writeHead(200, { "content-type": "text/html" });
          res.end('<!doctype html><script src="/msgpack.js"></script>');
        } else if (req.url === "/msgpack.js") {
          res.writeHead(200, { "content-type": "text/javascript" });
          res.end(readFileSync(`${dir}/socket.io.msgpack.min.js`));
        }
      });
      const io = new SocketIoServer(http, { parser: msgpack, serveClient: false });
      setup(io as unknown as Server);
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      onCleanup(() => new Promise<void>((resolve) => io.close(() => resolve())));
      const browser = await launchChromium();
      onCleanup(() => browser.close());
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
      const seen = await tab.evaluate(async () => {
        const { io } = window as unknown as { io: (o: object) => Socket };
        const socket = io({ forceNew: true });
        const welcome = await new Promise<{ n: number; bytes: ArrayBuffer }>((resolve) =>
          socket.on("welcome" as never, resolve as never),
        );
        const echo = await socket.emitWithAck("echo" as never, "hi" as never);
        socket.disconnect();
        return { n: welcome.n, bytes: [...new Uint8Array(welcome.bytes)], echo };
      });
      expect(seen).toEqual({ n: 1, bytes: [7, 8], echo: "hi" });
    });
  },
);
