import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Socket as ClientSocket,
  io as ioc,
  type ManagerOptions,
  type SocketOptions,
} from "socket.io-client";
import {
  type AdapterNamespace,
  ClusterAdapter,
  type ClusterMessage,
  Server,
  type ServerOptions,
} from "../src/index.js";

/** The three ways the official client reaches the server. */
export const TRANSPORT_MODES = [
  { mode: "websocket", client: { transports: ["websocket"] } },
  { mode: "polling", client: { transports: ["polling"] } },
  { mode: "polling→upgrade", client: { transports: ["polling", "websocket"] } },
] as const satisfies readonly { mode: string; client: Partial<ManagerOptions & SocketOptions> }[];

export type TransportMode = (typeof TRANSPORT_MODES)[number];

export interface Harness {
  io: Server;
  http: HttpServer;
  port: number;
  url: string;
  /** Connects an official client (no reconnection); closed by `close()`. */
  client(nsp?: string, opts?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  close(): Promise<void>;
}

/** A Parley server on a fresh HTTP server on port 0, and a factory of clients. */
export async function startServer(
  opts: ServerOptions = {},
  clientDefaults: Partial<ManagerOptions & SocketOptions> = {},
): Promise<Harness> {
  const http = createServer();
  const io = new Server(http, opts);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const clients: ClientSocket[] = [];
  return {
    io,
    http,
    port,
    url,
    client(nsp = "/", opts = {}) {
      const socket = ioc(`${url}${nsp}`, {
        forceNew: true,
        reconnection: false,
        ...clientDefaults,
        ...opts,
      });
      clients.push(socket);
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      http.closeAllConnections();
      await io.close();
    },
  };
}

/** Resolves with the arguments of the next `event` on `emitter`. */
export function next<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, fn: (...args: never[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => {
    emitter.once(event, ((...args: T) => resolve(args)) as never);
  });
}

/** Resolves once `predicate()` holds, polling every few milliseconds. */
export async function until(predicate: () => boolean, what = "condition"): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Servers sharing one in-process message bus: a cluster without Redis. */
export function busAdapter() {
  const members = new Set<ClusterAdapter>();
  return class BusAdapter extends ClusterAdapter {
    constructor(nsp: AdapterNamespace) {
      super(nsp, { heartbeatInterval: 100, heartbeatTimeout: 2000 });
      members.add(this);
    }
    protected doPublish(message: ClusterMessage): void {
      for (const peer of members) {
        if (peer !== this) setImmediate(() => peer.onMessage(structuredClone(message)));
      }
    }
    override close(): void {
      super.close();
      members.delete(this);
    }
    /** Other servers this one has heard from. */
    get peers(): number {
      return this.liveNodes().length;
    }
    /** Packets kept for connection state recovery. */
    get keptPackets(): number {
      return this.recoveryStore?.packetCount ?? 0;
    }
  };
}
