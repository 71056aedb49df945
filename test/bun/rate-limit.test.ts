// rateLimit.connections on Bun: per-address handshake limits answered 429, as on Node
// (packages/server/test/rate-limit/connections.test.ts). The address is Bun's
// server.requestIP(req); 127.0.0.x source addresses are distinct clients on Linux loopback.
import { get, type IncomingHttpHeaders } from "node:http";
import { fileURLToPath } from "node:url";
import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { within } from "../support/app-clients.js";
import { describeBun, startBunServer } from "../support/bun.js";
import type { ServerProcess } from "../support/server-process.js";

const APP = fileURLToPath(new URL("./fixtures/app.ts", import.meta.url));
const describe = describeBun();

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const peers: WebSocket[] = [];
const clients: Socket[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.terminate();
  for (const c of clients.splice(0)) c.disconnect();
});

function pollingHandshake(port: number, localAddress?: string): Promise<Answer> {
  return within(
    new Promise((resolve, reject) => {
      const path = "/socket.io/?EIO=4&transport=polling";
      const req = get({ host: "127.0.0.1", port, path, localAddress, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
    }),
    "a polling handshake",
  );
}

function websocketHandshake(port: number, localAddress?: string): Promise<"open" | Answer> {
  return within(
    new Promise((resolve, reject) => {
      const url = `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
      const ws = new WebSocket(url, { localAddress });
      peers.push(ws);
      ws.on("open", () => resolve("open"));
      ws.on("unexpected-response", (_req, res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      ws.on("error", reject);
    }),
    "a WebSocket handshake",
  );
}

function refusedWith(answer: "open" | Answer, code: string): void {
  expect(answer).not.toBe("open");
  const { status, headers, body } = answer as Answer;
  expect(status).toBe(429);
  expect(headers["content-type"]).toBe("application/json");
  expect(Number(headers["retry-after"])).toBeGreaterThanOrEqual(1);
  const parsed = JSON.parse(body) as { code: string; message: string; retryAfterMs: number };
  expect(parsed.code).toBe(code);
  expect(parsed.message).toEqual(expect.any(String));
  expect(parsed.retryAfterMs).toBeGreaterThan(0);
}

describe("rateLimit.connections on Bun: handshakes per address", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startBunServer(APP, {
      FRONT: "handler",
      RATE_LIMIT: JSON.stringify({ rate: 0.001, burst: 2 }),
    });
  });
  afterAll(() => server?.kill());

  it("refuses handshakes past the burst with 429 on polling and WebSocket; another address still gets in", async () => {
    const { port } = server;
    expect((await pollingHandshake(port)).status).toBe(200);
    expect(await websocketHandshake(port)).toBe("open");
    refusedWith(await pollingHandshake(port), "CONNECTION_RATE_LIMITED");
    refusedWith(await websocketHandshake(port), "CONNECTION_RATE_LIMITED");
    // The official client sees a connect_error.
    const refused = io(server.url, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
    });
    clients.push(refused);
    await within(
      new Promise((resolve) => refused.once("connect_error", resolve)),
      "connect_error on a refused client",
    );
    expect((await pollingHandshake(port, "127.0.0.2")).status).toBe(200);
    expect(await websocketHandshake(port, "127.0.0.2")).toBe("open");
    refusedWith(await websocketHandshake(port, "127.0.0.2"), "CONNECTION_RATE_LIMITED");
  });
});

describe("rateLimit.connections on Bun: sessions open per address", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startBunServer(APP, {
      FRONT: "listen",
      RATE_LIMIT: JSON.stringify({ maxPerAddress: 2 }),
    });
  });
  afterAll(() => server?.kill());

  it("caps sessions open at once; a closed one frees a place", async () => {
    const { port } = server;
    const options = { forceNew: true, reconnection: false };
    const a = io(server.url, { ...options, transports: ["websocket"] });
    const b = io(server.url, { ...options, transports: ["polling"] });
    clients.push(a, b);
    await within(
      Promise.all([a, b].map((c) => new Promise((resolve) => c.once("welcome", resolve)))),
      "both clients connected",
    );
    refusedWith(await pollingHandshake(port), "TOO_MANY_CONNECTIONS");
    refusedWith(await websocketHandshake(port), "TOO_MANY_CONNECTIONS");
    expect(await websocketHandshake(port, "127.0.0.3")).toBe("open");
    a.disconnect();
    // The server learns of the close asynchronously: retry, bounded, until the place is free.
    let answer: "open" | Answer = "open";
    for (let i = 0; i < 50; i++) {
      answer = await websocketHandshake(port);
      if (answer === "open") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toBe("open");
  });
});
