import type { Logger } from "./logger.js";
import { describeError } from "./logger.js";
import { bridgeShardedMoves } from "./sharded-moves.js";

/**
 * A node-redis 5.x cluster client never notices that a master died. It reads the topology
 * (CLUSTER SLOTS) only at connect and on a MOVED/ASK reply or a server-sent SUNSUBSCRIBE; a
 * killed master sends neither, and its replica's promotion tells nobody. So the client keeps
 * reconnecting to the dead address for ever, every command for the shard's slots waits in that
 * connection's offline queue, and every subscription there stays silent. Measured on a private
 * cluster (test/redis-cluster-kill.test.ts, cluster-node-timeout 1 s): the replica was master
 * 2.4 s after the SIGKILL, and 30 s later not one broadcast on the shard, nor on a classic
 * channel whose publish route or subscriber connection was there, had arrived. node-redis 6
 * refreshes the topology itself after 5 s of reconnection attempts (its
 * `topologyRefreshOnReconnectionAttemptStrategy`), and there this watch does nothing.
 *
 * The watch does what 6.x does: while any of the client's node connections is reconnecting,
 * it asks node-redis to rediscover the topology (`_slots.rediscover`, declared in 5.x's
 * types; tested on 5.12), once a second. Until the failover, that changes nothing. After it, node-redis drops
 * the dead node: its queued commands fail (the adapter logs them; Pub/Sub is at-most-once),
 * the next ones go to the new master, and a classic subscriber connection that was on the dead
 * node is opened elsewhere with its channels (node-redis does that part). Sharded channels it
 * drops with the node's connection, so the watch takes them first and subscribes them again
 * through the cluster client (`sSubscribe`, which finds the channel's new master).
 *
 * 4.x keeps its slots in a true private field (`#slots`): no watch there, so 4.x recovers
 * from a manual failover (through sharded-moves.ts) but not from a killed master.
 */

/** How often the topology is read again while a node connection is reconnecting. */
const REFRESH_EVERY_MS = 1000;

type AnyListener = (message: never, channel: never) => unknown;

/** One channel's listeners in node-redis's Pub/Sub state (`getPubSubListeners`). */
interface ChannelListeners {
  buffers: Set<AnyListener>;
  strings: Set<AnyListener>;
}

interface NodeClient {
  readonly isReady?: boolean;
  getPubSubListeners?(type: "SHARDED"): Map<string, ChannelListeners>;
}

/** A node as node-redis 5.x's cluster keeps it (`masters`, `replicas`). */
interface ShardNode {
  address?: string;
  client?: NodeClient;
  pubSub?: { client?: NodeClient };
}

interface Slots {
  /** False once the cluster client is closed: nothing to refresh any more. */
  readonly isOpen?: boolean;
  rediscover(startWith: unknown): Promise<void>;
  /** Only in 6.x, which refreshes the topology by itself. */
  extendAllPubSubListeners?: unknown;
}

/** What the watch uses of a node-redis cluster client. */
interface WatchedCluster {
  readonly masters: readonly ShardNode[];
  readonly replicas?: readonly ShardNode[];
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  sSubscribe(channel: string, listener: AnyListener, bufferMode?: boolean): Promise<unknown>;
}

const watching = new WeakSet<object>();

/** Watches a node-redis 5.x cluster client for lost nodes (see the module comment). */
export function watchLostNodes(client: object, logger: Logger): void {
  const cluster = client as Partial<WatchedCluster> & { _slots?: Partial<Slots> };
  const slots = cluster._slots;
  if (!Array.isArray(cluster.masters) || typeof cluster.on !== "function") return;
  if (typeof cluster.sSubscribe !== "function") return;
  if (slots === undefined || typeof slots.rediscover !== "function") {
    logger.debug(
      "this node-redis cluster client keeps its topology private (4.x): a killed master is not recovered from",
    );
    return;
  }
  if (slots.extendAllPubSubListeners !== undefined || watching.has(client)) return;
  watching.add(client);
  new LostNodes(cluster as WatchedCluster, slots as Slots, logger);
}

/** An event's node (`{ host, port }`) as node-redis names it: `host:port`. */
function addressOf(info: unknown): string | undefined {
  if (typeof info !== "object" || info === null) return undefined;
  const { host, port } = info as { host?: unknown; port?: unknown };
  return typeof host === "string" && typeof port === "number" ? `${host}:${port}` : undefined;
}

class LostNodes {
  readonly #cluster: WatchedCluster;
  readonly #slots: Slots;
  readonly #logger: Logger;
  /** Addresses with a connection that failed and has not been seen ready since. */
  readonly #lost = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(cluster: WatchedCluster, slots: Slots, logger: Logger) {
    this.#cluster = cluster;
    this.#slots = slots;
    this.#logger = logger;
    const lost = (info: unknown) => {
      const address = addressOf(info);
      if (address === undefined) return;
      this.#lost.add(address);
      this.#schedule();
    };
    // A connection reset emits 'node-error', then one 'node-reconnecting' per attempt.
    cluster.on("node-error", (_err, info) => lost(info));
    cluster.on("node-reconnecting", (info) => lost(info));
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#refresh()
        .catch((err: unknown) => {
          this.#logger.debug(`cluster topology refresh failed: ${describeError(err)}`);
        })
        .finally(() => {
          this.#timer = undefined;
          if (this.#lost.size > 0) this.#schedule();
        });
    }, REFRESH_EVERY_MS);
    // A client left open must not keep the process alive for this.
    this.#timer.unref();
  }

  async #refresh(): Promise<void> {
    const cluster = this.#cluster;
    // A closed client would open connections again to read the topology: stop instead.
    if (this.#slots.isOpen === false) {
      this.#lost.clear();
      return;
    }
    // Taken before the rediscovery, which destroys a dropped node's connection with them.
    const orphans: { node: ShardNode; channels: [string, ChannelListeners][] }[] = [];
    for (const node of cluster.masters) {
      if (node.address === undefined || !this.#lost.has(node.address)) continue;
      const listeners = node.pubSub?.client?.getPubSubListeners?.("SHARDED");
      if (listeners === undefined || listeners.size === 0) continue;
      const channels = [...listeners].map(([channel, l]): [string, ChannelListeners] => [
        channel,
        { buffers: new Set(l.buffers), strings: new Set(l.strings) },
      ]);
      orphans.push({ node, channels });
    }
    // Start from a node that answers, if any (node-redis falls back to the root nodes).
    const start =
      cluster.masters.find((n) => n.client?.isReady === true && !this.#lost.has(n.address ?? ""))
        ?.client ?? cluster.masters.find((n) => n.client !== undefined)?.client;
    if (start !== undefined) await this.#slots.rediscover(start);
    for (const { node, channels } of orphans) {
      // Still a master: node-redis kept the node and its connection (not failed over yet).
      if (cluster.masters.includes(node)) continue;
      this.#logger.debug(
        `master ${node.address} is gone: ${channels.length} sharded channel(s) subscribed again on their new master`,
      );
      await Promise.all(channels.map(([channel, l]) => this.#resubscribe(channel, l)));
    }
    bridgeShardedMoves(cluster);
    const nodes = [...cluster.masters, ...(cluster.replicas ?? [])];
    for (const address of this.#lost) {
      const node = nodes.find((n) => n.address === address);
      // Gone from the topology (node-redis destroyed its connections), or back.
      if (node === undefined || node.client?.isReady === true) this.#lost.delete(address);
    }
  }

  async #resubscribe(channel: string, listeners: ChannelListeners): Promise<void> {
    const subscribed = [
      ...[...listeners.buffers].map((l) => this.#cluster.sSubscribe(channel, l, true)),
      ...[...listeners.strings].map((l) => this.#cluster.sSubscribe(channel, l)),
    ];
    for (const result of await Promise.allSettled(subscribed)) {
      if (result.status === "rejected") {
        this.#logger.warn(
          "redis-error",
          `could not subscribe ${channel} again after its master was lost: ${describeError(result.reason)}`,
        );
      }
    }
  }
}
