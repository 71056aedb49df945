import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
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

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
