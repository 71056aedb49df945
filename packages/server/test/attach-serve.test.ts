import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import createIo, { Server } from "../src/index.js";
import { until } from "./helpers.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function portOf(server: HttpServer): number {
  return (server.address() as AddressInfo).port;
}

async function echoWorks(url: string, opts = {}): Promise<void> {
  const c: ClientSocket = ioc(url, { forceNew: true, reconnection: false, ...opts });
  cleanups.push(() => c.disconnect());
  await expect(c.timeout(3000).emitWithAck("echo", "hi")).resolves.toBe("hi");
}

function withEcho(io: Server): Server {
  io.on("connection", (s) => s.on("echo", (x: string, cb: (x: string) => void) => cb(x)));
  return io;
}

describe("attaching", () => {
  it("new Server(port) creates and closes its own HTTP server", async () => {
    const probe = createServer().listen(0);
    await once(probe, "listening");
    const port = portOf(probe);
    probe.close();
    const io = withEcho(new Server(port, { serveClient: false }));
    cleanups.push(() => io.close());
    await until(() => io.httpServer?.listening === true, "listening");
    await echoWorks(`http://127.0.0.1:${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/other`);
    expect(res.status).toBe(404);
  });

  it("new Server(opts) then attach(), and the default-export factory", async () => {
    const http = createServer((_req, res) => res.end("app"));
    const io = withEcho(new Server({ path: "/custom" }));
    io.attach(http);
    cleanups.push(() => io.close());
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    await echoWorks(`http://127.0.0.1:${portOf(http)}`, { path: "/custom" });
    expect(await (await fetch(`http://127.0.0.1:${portOf(http)}/`)).text()).toBe("app");
    expect(io.path()).toBe("/custom");

    const http2 = createServer();
    const io2 = withEcho(createIo(http2));
    cleanups.push(() => io2.close());
    http2.listen(0, "127.0.0.1");
    await once(http2, "listening");
    await echoWorks(`http://127.0.0.1:${portOf(http2)}`, { transports: ["websocket"] });
    expect(() => new Server().attach((() => {}) as never)).toThrow("http.Server");
  });

  it("shares the port with Express routes", async () => {
    const app = express();
    app.get("/hello", (_req, res) => {
      res.send("express");
    });
    const http = app.listen(0, "127.0.0.1");
    await once(http, "listening");
    const io = withEcho(new Server(http));
    cleanups.push(() => io.close());
    const base = `http://127.0.0.1:${portOf(http)}`;
    await echoWorks(base);
    expect(await (await fetch(`${base}/hello`)).text()).toBe("express");
  });

  it("shares the port with Fastify routes", async () => {
    const app = Fastify();
    app.get("/hello", async () => "fastify");
    await app.ready();
    const io = withEcho(new Server(app.server));
    await app.listen({ port: 0, host: "127.0.0.1" });
    cleanups.push(() => app.close());
    cleanups.push(() => io.close());
    const base = `http://127.0.0.1:${portOf(app.server)}`;
    await echoWorks(base);
    expect(await (await fetch(`${base}/hello`)).text()).toBe("fastify");
  });

  it("shares the port with Hono's node server", async () => {
    const app = new Hono();
    app.get("/hello", (c) => c.text("hono"));
    const http = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as HttpServer;
    await once(http, "listening");
    const io = withEcho(new Server(http));
    cleanups.push(() => io.close());
    const base = `http://127.0.0.1:${portOf(http)}`;
    await echoWorks(base);
    expect(await (await fetch(`${base}/hello`)).text()).toBe("hono");
  });
});

describe("serving the client bundle", () => {
  async function start(opts: ConstructorParameters<typeof Server>[1]) {
    const http = createServer((_req, res) => res.end("app"));
    const io = new Server(http, opts);
    cleanups.push(() => io.close());
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    return `http://127.0.0.1:${portOf(http)}`;
  }

  it("serves the files with ETag, 304 and gzip", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-client-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const body = `/* fixture */ console.log(${JSON.stringify("x".repeat(2000))});`;
    writeFileSync(join(dir, "socket.io.js"), body);
    writeFileSync(join(dir, "socket.io.js.map"), "{}");
    const base = await start({ clientDir: dir });

    const plain = await fetch(`${base}/socket.io/socket.io.js`, {
      headers: { "accept-encoding": "identity" },
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=0");
    expect(plain.headers.get("content-encoding")).toBeNull();
    const etag = plain.headers.get("etag");
    expect(etag).toMatch(/^".+"$/);
    expect(await plain.text()).toBe(body);

    const notModified = await fetch(`${base}/socket.io/socket.io.js`, {
      headers: { "if-none-match": etag! },
    });
    expect(notModified.status).toBe(304);

    // Raw request to see the compressed bytes (fetch would decompress them).
    const { request } = await import("node:http");
    const gz = await new Promise<{ enc: string | undefined; body: Buffer }>((resolve) => {
      request(
        `${base}/socket.io/socket.io.js`,
        { headers: { "accept-encoding": "gzip" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ enc: res.headers["content-encoding"], body: Buffer.concat(chunks) }),
          );
        },
      ).end();
    });
    expect(gz.enc).toBe("gzip");
    expect(gunzipSync(gz.body).toString()).toBe(body);

    const map = await fetch(`${base}/socket.io/socket.io.js.map`);
    expect(map.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const missing = await fetch(`${base}/socket.io/socket.io.min.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe("CLIENT_NOT_BUILT");
    expect(await (await fetch(`${base}/`)).text()).toBe("app");
  });

  /** A raw GET (fetch would decompress): status, headers and the bytes as sent. */
  async function rawGet(url: string, headers: Record<string, string> = {}, method = "GET") {
    const { request } = await import("node:http");
    return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
      (resolve, reject) => {
        request(url, { method, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
        })
          .on("error", reject)
          .end();
      },
    );
  }

  function fixtureDir(): { dir: string; body: string } {
    const dir = mkdtempSync(join(tmpdir(), "parley-client-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const body = `/* fixture */ export const x = ${JSON.stringify("x".repeat(2000))};`;
    for (const name of ["socket.io.esm.min.js", "socket.io.msgpack.min.js"]) {
      writeFileSync(join(dir, name), body);
    }
    writeFileSync(join(dir, "socket.io.msgpack.min.js.map"), "{}");
    return { dir, body };
  }

  it("negotiates br, gzip or deflate as socket.io does", async () => {
    const { dir, body } = fixtureDir();
    const base = await start({ clientDir: dir });
    const url = `${base}/socket.io/socket.io.esm.min.js`;
    const cases: [string, string | undefined][] = [
      // socket.io's `accepts`: at equal quality the request's order wins.
      ["gzip, deflate, br", "gzip"],
      ["gzip,br,deflate", "gzip"],
      ["br, gzip", "br"],
      ["gzip;q=0.5, br", "br"],
      ["*;q=0.5, gzip;q=0.5", "gzip"],
      ["deflate, *", "deflate"],
      ["br", "br"],
      ["gzip", "gzip"],
      ["deflate", "deflate"],
      ["br;q=0, gzip", "gzip"],
      ["gzip;q=0.5, deflate;q=0.8", "deflate"],
      ["*", "br"],
      ["identity", undefined],
      ["", undefined],
    ];
    for (const [accept, expected] of cases) {
      const res = await rawGet(url, accept === "" ? {} : { "accept-encoding": accept });
      expect(res.status, accept).toBe(200);
      expect(res.headers["content-encoding"], accept).toBe(expected);
      expect(res.headers.vary).toBe("Accept-Encoding");
      const decoded =
        expected === "br"
          ? brotliDecompressSync(res.body)
          : expected === "gzip"
            ? gunzipSync(res.body)
            : expected === "deflate"
              ? inflateSync(res.body)
              : res.body;
      expect(decoded.toString(), accept).toBe(body);
      expect(Number(res.headers["content-length"])).toBe(res.body.length);
    }
  });

  it("serves the msgpack bundle and its map", async () => {
    const { dir, body } = fixtureDir();
    const base = await start({ clientDir: dir });
    const js = await fetch(`${base}/socket.io/socket.io.msgpack.min.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
    expect(await js.text()).toBe(body);
    const map = await fetch(`${base}/socket.io/socket.io.msgpack.min.js.map`);
    expect(map.headers.get("content-type")).toBe("application/json; charset=utf-8");
  });

  it("applies the cors option to the bundles (cross-origin ESM imports)", async () => {
    const { dir } = fixtureDir();
    const url = (base: string) => `${base}/socket.io/socket.io.esm.min.js`;
    const origin = "https://app.example";

    // No cors option: no CORS headers, as socket.io.
    const none = await rawGet(url(await start({ clientDir: dir })), { origin });
    expect(none.status).toBe(200);
    expect(none.headers["access-control-allow-origin"]).toBeUndefined();

    const any = await rawGet(url(await start({ clientDir: dir, cors: { origin: "*" } })), {
      origin,
    });
    expect(any.headers["access-control-allow-origin"]).toBe("*");

    const base = await start({ clientDir: dir, cors: { origin, credentials: true } });
    const allowed = await rawGet(url(base), { origin, "accept-encoding": "br" });
    expect(allowed.status).toBe(200);
    expect(allowed.headers["access-control-allow-origin"]).toBe(origin);
    expect(allowed.headers["access-control-allow-credentials"]).toBe("true");
    expect(allowed.headers.vary).toBe("Origin, Accept-Encoding");
    expect(allowed.headers["content-encoding"]).toBe("br");
    // A foreign origin still gets the file, without the header (its browser refuses it).
    const foreign = await rawGet(url(base), { origin: "https://evil.example" });
    expect(foreign.status).toBe(200);
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await rawGet(
      url(base),
      { origin, "access-control-request-method": "GET" },
      "OPTIONS",
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(origin);
    expect(preflight.headers["access-control-allow-methods"]).toContain("GET");
  });

  it("serves nothing when serveClient is false", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-client-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "socket.io.js"), "x");
    const base = await start({ clientDir: dir, serveClient: false });
    const res = await fetch(`${base}/socket.io/socket.io.js`);
    expect(res.status).not.toBe(200);
  });
});
