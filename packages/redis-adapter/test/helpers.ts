import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions } from "@parley/server";
import { createClient } from "redis";
import {
  type Socket as ClientSocket,
  io as ioc,
  type ManagerOptions,
  type SocketOptions,
} from "socket.io-client";
import { describe } from "vitest";
import { sleep, waitFor } from "../../../test/support/waiting.js";
import { createAdapter, type RedisAdapter, type RedisAdapterOptions } from "../src/index.js";
import type { RedisClientSubscriber } from "../src/redis-client.js";

export { collect, next, sleep, waitFor, within } from "../../../test/support/waiting.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Whether a Redis answers at REDIS_URL. */
export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

const available = await redisReachable();
if (!available) {
  const msg = `Redis is not reachable at ${REDIS_URL}: the Redis adapter tests are SKIPPED`;
  if (process.env.CI === "true")
    throw new Error(`${msg.replace(" SKIPPED", "")} (CI=true: failing)`);
  console.warn(`\n*** ${msg} ***\n`);
}

/** `describe` when Redis is there, `describe.skip` (with a loud notice above) otherwise. */
export const describeRedis: typeof describe = available
  ? describe
  : (describe.skip as typeof describe);

let keys = 0;
/** A key no other test (or file, or run) shares, so test files can run in parallel. */
export function uniqueKey(name: string): string {
  return `parley-test-${name}-${process.pid}-${Date.now().toString(36)}-${keys++}`;
}

export type Redis = ReturnType<typeof createClient>;

/** A connected client that logs nothing and never crashes the test on errors. */
export async function redisClient(
  url = REDIS_URL,
  make: (options: { url: string }) => Redis = createClient,
): Promise<Redis> {
  const client = make({ url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

export interface Node {
  io: Server;
  http: HttpServer;
  url: string;
  pub: Redis;
  sub: Redis;
  adapter(nsp?: string): RedisAdapter;
  /** Graceful: sockets disconnected, adapters closed (adapter-close sent), clients quit. */
  close(): Promise<void>;
}

export interface NodeOptions {
  key: string;
  /** Wraps the subscriber the adapter gets (a slow link, say); the raw client stays `sub`. */
  subscriber?: (sub: Redis) => RedisClientSubscriber;
  adapter?: Omit<RedisAdapterOptions, "key">;
  server?: ServerOptions;
  redisUrl?: string;
  /** The adapter's default heartbeat and timeouts instead of FAST ones. */
  defaults?: boolean;
  /**
   * Which node-redis makes the clients (default: the repo's `redis`, 5.x; the `redis6` alias
   * in node-redis-6.test.ts), typed as 5.x's, whose surface the adapter uses.
   */
  createClient?: (options: { url: string }) => Redis;
}

/** Small heartbeats so liveness tests take a fraction of a second. */
export const FAST = { heartbeatInterval: 100, heartbeatTimeout: 400, requestsTimeout: 3000 };

/** Closes gracefully (pending commands flushed), or destroys when Redis does not answer. */
async function quit(client: Redis): Promise<void> {
  if (!client.isOpen) return;
  await Promise.race([client.close().catch(() => {}), sleep(1000)]);
  if (client.isOpen) client.destroy();
}

export async function startNode(opts: NodeOptions): Promise<Node> {
  const pub = await redisClient(opts.redisUrl, opts.createClient);
  const sub = pub.duplicate();
  sub.on("error", () => {});
  await sub.connect();
  const http = createServer();
  const io = new Server(http, {
    serveClient: false,
    ...opts.server,
    adapter: createAdapter(pub, opts.subscriber?.(sub) ?? sub, {
      ...(opts.defaults === true ? {} : FAST),
      ...opts.adapter,
      key: opts.key,
    }),
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let closed = false;
  return {
    io,
    http,
    url,
    pub,
    sub,
    adapter: (nsp = "/") => io.of(nsp).adapter as RedisAdapter,
    async close() {
      if (closed) return;
      closed = true;
      http.closeAllConnections();
      await io.close();
      await Promise.all([pub, sub].map(quit));
    },
  };
}

/**
 * The recovery tests' app: a new socket joins room "r" (a recovered one has it back already),
 * then every socket is sent "ready" with whether it was recovered.
 */
export function joinRUnlessRecovered(nodes: readonly Node[]): void {
  for (const node of nodes) {
    node.io.on("connection", async (socket) => {
      if (!socket.recovered) await socket.join("r");
      socket.emit("ready", socket.recovered);
    });
  }
}

/** `n` nodes on one key, each knowing all the others (serverCount() === n everywhere). */
export async function startCluster(
  n: number,
  opts: NodeOptions,
  nsps: string[] = ["/"],
): Promise<Node[]> {
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) nodes.push(await startNode(opts));
  for (const nsp of nsps) for (const node of nodes) node.io.of(nsp);
  await waitFor(async () => {
    for (const node of nodes) {
      for (const nsp of nsps) if ((await node.adapter(nsp).serverCount()) !== n) return false;
    }
    return true;
  }, `${n} servers to see each other`);
  return nodes;
}

const clients = new Set<ClientSocket>();

/** An official socket.io-client connected to `url` (no reconnection unless asked). */
export async function connect(
  url: string,
  nsp = "/",
  opts: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ClientSocket> {
  const socket = ioc(`${url}${nsp}`, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    ...opts,
  });
  clients.add(socket);
  if (!socket.connected) {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
  }
  return socket;
}

export function closeClients(): void {
  for (const c of clients) c.disconnect();
  clients.clear();
}

/**
 * `sub`, with each subscription to a channel `slow` picks confirmed `ms` late: a slow link to
 * Redis (it confirms late, and delivers nothing on that channel before).
 */
export function slowSubscriber(
  sub: Redis,
  ms: number,
  slow: (channel: string) => boolean,
): RedisClientSubscriber {
  const delay = (channels: string | string[]) =>
    [channels].flat().some(slow) ? sleep(ms) : undefined;
  return {
    on: (event, listener) => sub.on(event, listener),
    subscribe: async (channels, listener, mode) => {
      await delay(channels);
      return sub.subscribe(channels, listener, mode);
    },
    sSubscribe: async (channels, listener, mode) => {
      await delay(channels);
      return sub.sSubscribe(channels, listener, mode);
    },
    unsubscribe: (channels, listener, mode) => sub.unsubscribe(channels, listener, mode),
    sUnsubscribe: (channels, listener, mode) => sub.sUnsubscribe(channels, listener, mode),
  };
}
