import type { ServerOptions } from "@parley/server";
import {
  attachSessionRelay,
  type RedisSessionRelay,
  type SessionRelayOptions,
} from "../../src/index.js";
import { type Node, startNode, waitFor } from "../helpers.js";

/**
 * Short heartbeats, so a test lives through several of them in a second. The ping timeout is
 * looser: on a loaded shared machine a 200 ms stall happens, and it would end a session.
 */
export const FAST_ENGINE: ServerOptions = { pingInterval: 300, pingTimeout: 1000 };
export const FAST_RELAY = { heartbeatInterval: 100, heartbeatTimeout: 400 };

export interface RelayNode extends Node {
  relay: RedisSessionRelay;
  port: number;
  /** Log lines of the relay's `debug` option. */
  log: string[];
  /** A crash, as the cluster sees it: no goodbye, Redis and HTTP connections cut. */
  kill(): Promise<void>;
}

/**
 * `n` Parley servers, each with the Redis adapter and a session relay on `key`, every relay
 * knowing every other one. Each node echoes ("echo" with an ack) and relays "shout" to
 * everyone through the adapter.
 */
export async function startRelayCluster(
  n: number,
  key: string,
  server: ServerOptions = {},
  relay: Partial<SessionRelayOptions> = {},
): Promise<RelayNode[]> {
  const nodes: RelayNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = await startNode({ key, server: { ...FAST_ENGINE, ...server } });
    const log: string[] = [];
    const r = attachSessionRelay(node.io, {
      pubClient: node.pub,
      subClient: node.sub,
      key,
      ...FAST_RELAY,
      debug: (line) => log.push(line),
      ...relay,
    });
    await r.ready;
    node.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
      socket.on("shout", (value: unknown) => node.io.emit("heard", value));
    });
    const close = node.close;
    let closed = false;
    nodes.push({
      ...node,
      relay: r,
      port: Number(new URL(node.url).port),
      log,
      async close() {
        if (closed) return;
        closed = true;
        await r.close();
        await close();
      },
      async kill() {
        node.pub.destroy();
        node.sub.destroy();
        node.http.closeAllConnections();
        node.http.close();
      },
    });
  }
  await waitFor(
    () => nodes.every((node) => node.relay.liveNodes().length === n - 1),
    `${n} session relays to see each other`,
  );
  return nodes;
}

/** The node owning a session id (the sid starts with its node id). */
export function ownerIndex(nodes: readonly RelayNode[], sid: string): number {
  return nodes.findIndex((node) => sid.startsWith(node.relay.nodeId));
}
