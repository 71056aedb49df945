import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import WebSocket from "ws";
import { Engine, type EngineConnection, type EngineOptions } from "../../src/engine/index.js";

export interface Harness {
  engine: Engine;
  server: Server;
  port: number;
  /** `http://127.0.0.1:<port>/socket.io/?EIO=4&` + query */
  url(query?: string): string;
  wsUrl(query?: string): string;
}

const cleanups: (() => Promise<void> | void)[] = [];

export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      await fn?.();
    } catch {
      // keep cleaning
    }
  }
}

export async function listen(server: Server): Promise<number> {
  // Upgraded sockets are no longer the HTTP server's: track raw sockets to end them all.
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

export async function startEngine(
  opts: EngineOptions = {},
  handler?: (
    req: import("node:http").IncomingMessage,
    res: import("node:http").ServerResponse,
  ) => void,
): Promise<Harness> {
  const server = createServer(
    handler ??
      ((_req, res) => {
        res.writeHead(404);
        res.end("app route");
      }),
  );
  const engine = new Engine(opts);
  engine.attach(server);
  onCleanup(() => {
    engine.close();
  });
  const port = await listen(server);
  const path = opts.path ?? "/socket.io/";
  return {
    engine,
    server,
    port,
    url: (query = "") => `http://127.0.0.1:${port}${path}?EIO=4&${query}`,
    wsUrl: (query = "") => `ws://127.0.0.1:${port}${path}?EIO=4&${query}`,
  };
}

/** Collects every `event` value of `emitter` from now on (for events that may fire early). */
export function collect<T = unknown>(
  emitter: { on(event: string, fn: (...args: never[]) => void): unknown },
  event: string,
): T[] {
  const out: T[] = [];
  emitter.on(event, ((...args: unknown[]) => out.push(args[0] as T)) as never);
  return out;
}

/** Polls `predicate` until it holds (a safety-net timeout, not a performance bound). */
export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves with the next value of `emitter`'s `event`. */
export function once<T = unknown>(
  emitter: { once(event: string, fn: (...args: never[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => {
    emitter.once(event, ((...args: unknown[]) => resolve(args[0] as T)) as never);
  });
}

export function nextConnection(engine: Engine): Promise<EngineConnection> {
  return new Promise((resolve) => engine.once("connection", resolve));
}

/** Polling handshake; returns the parsed open packet. */
export async function pollingHandshake(h: Harness): Promise<{
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}> {
  const res = await fetch(h.url("transport=polling"));
  const body = await res.text();
  if (res.status !== 200 || !body.startsWith("0"))
    throw new Error(`bad handshake ${res.status} ${body}`);
  return JSON.parse(body.slice(1));
}

/** A polling session: its sid, and the server's side of it. */
export async function pollingSession(h: Harness): Promise<{ sid: string; conn: EngineConnection }> {
  const conn = nextConnection(h.engine);
  const { sid } = await pollingHandshake(h);
  return { sid, conn: await conn };
}

/** Opens the WebSocket an upgrading client probes with, collecting what it receives. */
export async function openProbe(
  h: Harness,
  sid: string,
): Promise<{ ws: WebSocket; frames: Buffer[] }> {
  const ws = new WebSocket(h.wsUrl(`transport=websocket&sid=${sid}`));
  const frames = collect<Buffer>(ws, "message");
  await once(ws, "open");
  return { ws, frames };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends a raw upgrade request and returns the whole response the server writes. */
export function rawUpgrade(
  h: Harness,
  query: string,
  extraHeaders: Record<string, string> = {},
  untilHeaders = false,
) {
  return new Promise<string>((resolve, reject) => {
    const socket: Socket = connect(h.port, "127.0.0.1");
    let data = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      data += chunk;
      if (untilHeaders && data.includes("\r\n\r\n")) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on("close", () => resolve(data));
    socket.on("error", reject);
    const headers: Record<string, string> = {
      Host: `127.0.0.1:${h.port}`,
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      ...extraHeaders,
    };
    let req = `GET /socket.io/?${query} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) req += `${k}: ${v}\r\n`;
    socket.write(`${req}\r\n`);
  });
}

export function upgradeBody(response: string): { status: number; body: unknown } {
  const status = Number(response.split(" ")[1]);
  const body = response.slice(response.indexOf("\r\n\r\n") + 4);
  return { status, body: body ? JSON.parse(body) : undefined };
}
