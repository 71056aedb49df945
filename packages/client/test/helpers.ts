import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as ParleyServer } from "@parley/server";
import { Server, type ServerOptions } from "socket.io";
import { afterEach } from "vitest";
import { io as client, type IoOptions, type Socket, type TransportName } from "../src/index.js";

/** The three ways a client connects: WebSocket only, polling only, polling then upgrade. */
export const TRANSPORT_MODES: { name: string; transports: TransportName[] }[] = [
  { name: "websocket", transports: ["websocket"] },
  { name: "polling", transports: ["polling"] },
  { name: "polling+upgrade", transports: ["polling", "websocket"] },
];

/** Servers every client test runs against: the official one, and Parley's own. */
export const SERVER_KINDS = ["socket.io", "parley"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export interface TestServer {
  io: Server;
  http: HttpServer;
  port: number;
  url: string;
  /** Stops the server (and drops every connection). */
  close(): Promise<void>;
  /** Listens again on the same port (after `close`). */
  restart(): Promise<void>;
}

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Registers `fn` to run after the current test. */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

function listen(http: HttpServer, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, "127.0.0.1", () => {
      http.off("error", reject);
      resolve((http.address() as AddressInfo).port);
    });
  });
}

/**
 * A Socket.IO server on a free port. `setup` registers its handlers, and runs again on the
 * new server after `restart()`.
 */
export async function startServer(
  opts: Partial<ServerOptions> = {},
  setup: (io: Server) => void = () => {},
  kind: ServerKind = "socket.io",
): Promise<TestServer> {
  // The tests use the part of the API both servers share; Parley's is typed as socket.io's here.
  const make = (http: HttpServer): Server => {
    const options = { pingInterval: 300, pingTimeout: 200, ...opts };
    return kind === "parley"
      ? (new ParleyServer(http, options as never) as unknown as Server)
      : new Server(http, options);
  };
  let http = createServer();
  let io = make(http);
  setup(io);
  const port = await listen(http);
  let closed = false;
  const server: TestServer = {
    io,
    http,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
        http.closeAllConnections();
      });
    },
    restart: async () => {
      http = createServer();
      io = make(http);
      setup(io);
      server.io = io;
      server.http = http;
      closed = false;
      await listen(http, port);
    },
  };
  onCleanup(() => server.close());
  return server;
}

/** A client that is closed after the test. Fast reconnection by default. */
export function connect<S extends Socket = Socket>(url: string, opts: Partial<IoOptions> = {}): S {
  const socket = client(url, {
    forceNew: true,
    reconnectionDelay: 20,
    reconnectionDelayMax: 100,
    ...opts,
  });
  onCleanup(() => {
    socket.io.close();
  });
  return socket as S;
}

interface Listenable {
  once(event: string, listener: (...args: never[]) => unknown): unknown;
}

/** Resolves with the arguments of the next `event`. */
export function next<T extends unknown[] = unknown[]>(
  target: Listenable,
  event: string,
): Promise<T> {
  return new Promise((resolve) => {
    target.once(event, ((...args: T) => resolve(args)) as never);
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it holds (a safety timeout of the test ends it otherwise). */
export async function until(check: () => boolean, every = 10): Promise<void> {
  while (!check()) await delay(every);
}
