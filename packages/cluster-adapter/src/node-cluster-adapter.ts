import type { AdapterNamespace, ClusterMessage } from "@parley/server";
import { ClusterAdapter } from "@parley/server/adapter";
import { createLogger, describeError, type Logger } from "./logger.js";
import type { NodeClusterAdapterOptions } from "./options.js";
import { WorkerChannel } from "./worker-channel.js";

let channel: WorkerChannel | undefined;

/**
 * `new Server(httpServer, { adapter: createAdapter() })` in each `node:cluster` worker (the
 * primary runs `setupPrimary()`): every namespace gets a `NodeClusterAdapter`, and the
 * workers of the machine form one cluster. Throws `NOT_A_WORKER` outside a worker.
 */
export function createAdapter(
  opts: NodeClusterAdapterOptions = {},
): (nsp: AdapterNamespace) => NodeClusterAdapter {
  const logger = createLogger(opts.debug);
  // One IPC endpoint per process; its logger is the first caller's.
  channel ??= new WorkerChannel(logger, opts.primaryTimeout ?? 2000);
  const shared = channel;
  return (nsp) => new NodeClusterAdapter(nsp, shared, opts, logger);
}

/**
 * A cluster adapter over the IPC channel between a `node:cluster` worker and the primary.
 * The base class does the work (local delivery, requests, liveness by heartbeats); this
 * class moves its messages: `doPublish` to every other worker, `doPublishResponse` to the
 * requesting worker only, both relayed by the primary's `setupPrimary()`.
 *
 * Guarantees: a worker's messages are applied by the others in the order it sent them (IPC
 * channels and the relay keep order). When a worker dies (crash, SIGKILL) the primary tells
 * the others at once, as if it had closed: no request waits for it, and `serverCount()`
 * drops, without waiting for `heartbeatTimeout` (which remains the fallback).
 * Delivery is at most once: nothing is replayed after a worker restarts.
 */
export class NodeClusterAdapter extends ClusterAdapter {
  readonly #channel: WorkerChannel;
  readonly #logger: Logger;
  #closed = false;

  constructor(
    nsp: AdapterNamespace,
    channel: WorkerChannel,
    opts: NodeClusterAdapterOptions,
    logger: Logger,
  ) {
    super(nsp, opts);
    this.#channel = channel;
    this.#logger = logger;
    channel.join(this);
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The base class publishes adapter-close on the next microtask; sending needs no membership.
    super.close();
    this.#channel.leave(this);
  }

  protected override doPublish(message: ClusterMessage): Promise<void> {
    return this.#channel.publish(message);
  }

  protected override doPublishResponse(
    requesterUid: string,
    message: ClusterMessage,
  ): Promise<void> {
    return this.#channel.respond(requesterUid, message);
  }

  protected override onPublishError(err: unknown): void {
    this.#logger.warn("publish", `could not send to the primary: ${describeError(err)}`);
  }

  protected override onNodeUp(uid: string): void {
    this.#logger.debug(`${this.nsp.name}: server ${uid} joined`);
  }

  protected override onNodeDown(uid: string, reason: string): void {
    this.#logger.debug(`${this.nsp.name}: server ${uid} left (${reason})`);
  }
}
