import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Socket as EioSocket } from "engine.io-client";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { Engine } from "../../src/engine/index.js";
import { collect, onCleanup, once, runCleanups, until } from "./helpers.js";

afterEach(runCleanups);

/** Attaches an echo engine to `server` and proves both the app and the engine answer. */
async function proveBoth(server: Server, appPath: string, appBody: string): Promise<void> {
  const engine = new Engine();
  engine.attach(server);
  onCleanup(() => void engine.close());
  engine.on("connection", (s) => s.on("message", (d) => s.send(d)));
  const { port } = server.address() as AddressInfo;
  const app = await fetch(`http://127.0.0.1:${port}${appPath}`);
  expect(app.status).toBe(200);
  expect(await app.text()).toBe(appBody);
  const missing = await fetch(`http://127.0.0.1:${port}/nowhere`);
  expect(missing.status).toBe(404);
  const handshake = await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`);
  expect((await handshake.text())[0]).toBe("0");
  for (const transports of [["polling", "websocket"], ["websocket"]]) {
    const socket = new EioSocket(`http://127.0.0.1:${port}`, { path: "/socket.io/", transports });
    onCleanup(() => void socket.close());
    await once(socket, "open");
    if (transports.length === 2) await once(socket, "upgrade");
    const got = collect<string>(socket, "message");
    socket.send("echo me");
    await until(() => got.length === 1);
    expect(got[0]).toBe("echo me");
    socket.close();
  }
  // The app's route still works after engine traffic.
  expect(await (await fetch(`http://127.0.0.1:${port}${appPath}`)).text()).toBe(appBody);
}

function closeServer(server: Server) {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

describe("attach to frameworks' servers", () => {
  it("Express", async () => {
    const app = express();
    app.get("/hello", (_req, res) => {
      res.send("express says hi");
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    onCleanup(() => closeServer(server));
    await proveBoth(server, "/hello", "express says hi");
  });

  it("Fastify (its server after ready())", async () => {
    const fastify = Fastify();
    fastify.get("/hello", async () => "fastify says hi");
    await fastify.ready();
    await fastify.listen({ port: 0, host: "127.0.0.1" });
    onCleanup(() => fastify.close());
    await proveBoth(fastify.server, "/hello", "fastify says hi");
  });

  it("Hono's node server", async () => {
    const app = new Hono();
    app.get("/hello", (c) => c.text("hono says hi"));
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
        resolve(s as Server),
      );
    });
    onCleanup(() => closeServer(server));
    await proveBoth(server, "/hello", "hono says hi");
  });

  it("other upgrade listeners keep their own paths", async () => {
    const { createServer } = await import("node:http");
    const server = createServer();
    const engine = new Engine();
    engine.attach(server);
    onCleanup(() => void engine.close());
    const other = new WebSocketServer({ noServer: true });
    server.on("upgrade", (req, socket, head) => {
      if (req.url === "/other-ws") other.handleUpgrade(req, socket, head, (ws) => ws.send("other"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onCleanup(() => closeServer(server));
    const { port } = server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/other-ws`);
    expect(String(await once(ws, "message"))).toBe("other");
    ws.terminate();
    const eio = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    expect(String(await once(eio, "message"))[0]).toBe("0");
    eio.terminate();
  });
});

describe("manual wiring and HTTPS", () => {
  it("handleRequest/handleUpgrade wired by hand on a bare server", async () => {
    const { createServer } = await import("node:http");
    const engine = new Engine();
    onCleanup(() => void engine.close());
    engine.on("connection", (s) => s.on("message", (d) => s.send(d)));
    const server = createServer((req, res) => {
      if (req.url?.startsWith("/rt/")) engine.handleRequest(req, res);
      else res.end("mine");
    });
    server.on("upgrade", (req, socket, head) => engine.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onCleanup(() => closeServer(server));
    const { port } = server.address() as AddressInfo;
    expect(await (await fetch(`http://127.0.0.1:${port}/x`)).text()).toBe("mine");
    const hs = await fetch(`http://127.0.0.1:${port}/rt/?EIO=4&transport=polling`);
    expect((await hs.text())[0]).toBe("0");
    const socket = new EioSocket(`http://127.0.0.1:${port}`, { path: "/rt/" });
    onCleanup(() => void socket.close());
    await once(socket, "upgrade");
    const got = collect<string>(socket, "message");
    socket.send("by hand");
    await until(() => got.length === 1);
    expect(got[0]).toBe("by hand");
  });

  it("attaches to an https server (polling and websocket)", async () => {
    const { execFileSync } = await import("node:child_process");
    const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const https = await import("node:https");
    const dir = mkdtempSync(join(tmpdir(), "parley-tls-"));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          join(dir, "k.pem"),
          "-out",
          join(dir, "c.pem"),
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
        ],
        { stdio: "ignore" },
      );
    } catch {
      console.warn("openssl unavailable: skipping the HTTPS attach test");
      return;
    }
    const server = https.createServer(
      { key: readFileSync(join(dir, "k.pem")), cert: readFileSync(join(dir, "c.pem")) },
      (_req, res) => res.end("tls app"),
    );
    const engine = new Engine();
    engine.attach(server);
    onCleanup(() => void engine.close());
    engine.on("connection", (s) => s.on("message", (d) => s.send(d)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onCleanup(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { port } = server.address() as AddressInfo;
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        https
          .get({ host: "127.0.0.1", port, path, rejectUnauthorized: false }, (res) => {
            let body = "";
            res.on("data", (c) => {
              body += c;
            });
            res.on("end", () => resolve(body));
          })
          .on("error", reject);
      });
    expect(await get("/")).toBe("tls app");
    expect((await get("/socket.io/?EIO=4&transport=polling"))[0]).toBe("0");
    const ws = new WebSocket(`wss://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
      rejectUnauthorized: false,
    });
    const frames = collect<Buffer>(ws, "message");
    await once(ws, "open");
    ws.send("4secure");
    await until(() => frames.length === 2);
    expect(String(frames[1])).toBe("4secure");
    ws.terminate();
  });
});
