/**
 * A node-redis 4.x/5.x cluster client loses a sharded subscription for good when the shard's
 * master changes (a failover, a slot migration): Redis tells the subscribed connection with a
 * server-sent SUNSUBSCRIBE, node-redis drops the channel's listeners from that connection and
 * emits `sharded-channel-moved` on it, but its cluster code listens for `server-sunsubscribe`,
 * so nothing resubscribes them on the new master and the channel stays silent, with no error
 * (redis/node-redis#3311; fixed in 6.x, which Parley does not support yet). Measured here:
 * after a manual CLUSTER FAILOVER of the shard, not one message reached the subscriber.
 *
 * The bridge re-emits the event under the name the cluster listens for, on every sharded
 * Pub/Sub connection of the client, so node-redis's own handler runs: it rediscovers the
 * topology and moves the listeners to the shard's new master. On a version whose two names
 * agree, nothing is emitted twice: the bridge only answers `sharded-channel-moved` with
 * `server-sunsubscribe`, which such a version neither listens for nor emits.
 */

interface EventTarget {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
}

/** A master as node-redis's cluster keeps it: 5.x `pubSub.client`, 4.x `pubSubClient`. */
interface MasterNode {
  pubSub?: { client?: unknown };
  pubSubClient?: unknown;
}

const bridged = new WeakSet<object>();

/** After a move, node-redis connects to the new master: bridge that connection too. */
const WATCH_AFTER_MOVE_MS = 10_000;
const WATCH_EVERY_MS = 100;

function isEventTarget(value: unknown): value is EventTarget {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<EventTarget> & { then?: unknown };
  return typeof v.on === "function" && typeof v.emit === "function" && v.then === undefined;
}

/** Bridges every sharded Pub/Sub connection `cluster` has now (see the module comment). */
export function bridgeShardedMoves(cluster: { readonly masters: readonly unknown[] }): void {
  for (const master of cluster.masters as readonly MasterNode[]) {
    const connection = master.pubSub?.client ?? master.pubSubClient;
    if (!isEventTarget(connection) || bridged.has(connection)) continue;
    bridged.add(connection);
    connection.on("sharded-channel-moved", (channel, listeners) => {
      connection.emit("server-sunsubscribe", channel, listeners);
      watch(cluster);
    });
  }
}

/** Per cluster client, when its watch ends (one watch however many channels moved). */
const watchedUntil = new WeakMap<object, number>();

/** Bridges the connections node-redis opens while it moves the listeners (bounded). */
function watch(cluster: { readonly masters: readonly unknown[] }): void {
  const running = watchedUntil.has(cluster);
  // A failover moves every channel of the shard: each move extends the one watch.
  watchedUntil.set(cluster, Date.now() + WATCH_AFTER_MOVE_MS);
  if (running) return;
  const timer = setInterval(() => {
    bridgeShardedMoves(cluster);
    if (Date.now() >= (watchedUntil.get(cluster) ?? 0)) {
      clearInterval(timer);
      watchedUntil.delete(cluster);
    }
  }, WATCH_EVERY_MS);
  timer.unref();
}
