import { randomBytes } from "node:crypto";
import type { Packet } from "@parley/protocol";
import type { AdapterNamespace, BroadcastOptions, Room, SocketDetails } from "./adapter.js";
import type {
  ClusterMessage,
  ClusterResponse,
  SerializedBroadcastOptions,
  SerializedSocket,
} from "./cluster-message.js";
import { InMemoryAdapter } from "./in-memory-adapter.js";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Outgoing = DistributiveOmit<ClusterMessage, "uid" | "nsp">;

export interface ClusterAdapterOptions {
  /** Milliseconds between heartbeats (default 5000). */
  heartbeatInterval?: number;
  /** A server silent this long is forgotten (default 10000). */
  heartbeatTimeout?: number;
  /** How long `fetchSockets` / `serverSideEmit` wait for other servers (default 5000). */
  requestsTimeout?: number;
}

interface PendingRequest {
  readonly onReply: (message: ClusterResponse) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * A cluster adapter: local delivery as the in-memory adapter, plus one message per operation
 * to every other server. Subclasses only move messages:
 * - implement `doPublish(message)` (send to every server, this one may receive it back: it is
 *   ignored by uid) and optionally `doPublishResponse(requesterUid, message)`;
 * - call `onMessage(message)` for every message received.
 *
 * Guarantees: an operation is applied locally before `doPublish` is called; messages of one
 * server are applied by the others in the order `doPublish` was called (if the transport keeps
 * order); the set of live servers comes from heartbeats, and `serverCount()` counts them.
 */
export abstract class ClusterAdapter extends InMemoryAdapter {
  /** This server's id in the cluster. */
  readonly uid: string = randomBytes(8).toString("hex");
  readonly #opts: Required<ClusterAdapterOptions>;
  readonly #nodes = new Map<string, number>();
  readonly #requests = new Map<string, PendingRequest>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(nsp: AdapterNamespace, opts: ClusterAdapterOptions = {}) {
    super(nsp);
    this.#opts = {
      heartbeatInterval: opts.heartbeatInterval ?? 5000,
      heartbeatTimeout: opts.heartbeatTimeout ?? 10_000,
      requestsTimeout: opts.requestsTimeout ?? 5000,
    };
  }

  /** Sends a message to every server of the cluster. */
  protected abstract doPublish(message: ClusterMessage): Promise<void> | void;

  /** Sends a response to the server that asked (default: to everyone; others ignore it). */
  protected doPublishResponse(
    _requesterUid: string,
    message: ClusterMessage,
  ): Promise<void> | void {
    return this.doPublish(message);
  }

  override init(): void {
    this.#publish({ type: "initial-heartbeat" });
    this.#heartbeat = setInterval(() => {
      this.#publish({ type: "heartbeat" });
      const now = Date.now();
      for (const [uid, seen] of this.#nodes) {
        if (now - seen > this.#opts.heartbeatTimeout) this.#nodes.delete(uid);
      }
    }, this.#opts.heartbeatInterval);
    this.#heartbeat.unref();
  }

  override close(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    for (const request of this.#requests.values()) clearTimeout(request.timer);
    this.#requests.clear();
    this.#publish({ type: "adapter-close" });
  }

  override serverCount(): Promise<number> {
    return Promise.resolve(this.#nodes.size + 1);
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    if (opts.flags?.local !== true) {
      this.#publish({ type: "broadcast", packet: { ...packet }, opts: serialize(opts) });
    }
    super.broadcast(packet, opts);
  }

  override broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    if (opts.flags?.local !== true) {
      const requestId = this.#request(opts.flags?.timeout ?? this.#opts.requestsTimeout, (m) => {
        if (m.type === "broadcast-client-count") clientCountCallback(m.clientCount);
        else if (m.type === "broadcast-ack") ack(m.reply);
        return false;
      });
      const remote = { ...packet };
      delete remote.id;
      this.#publish({ type: "broadcast", packet: remote, opts: serialize(opts), requestId });
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (opts.flags?.local !== true)
      this.#publish({ type: "sockets-join", opts: serialize(opts), rooms });
    super.addSockets(opts, rooms);
  }

  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (opts.flags?.local !== true)
      this.#publish({ type: "sockets-leave", opts: serialize(opts), rooms });
    super.delSockets(opts, rooms);
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (opts.flags?.local !== true) {
      this.#publish({ type: "disconnect-sockets", opts: serialize(opts), close });
    }
    super.disconnectSockets(opts, close);
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    const local = await super.fetchSockets(opts);
    const expected = (await this.serverCount()) - 1;
    if (opts.flags?.local === true || expected <= 0) return local;
    return new Promise((resolve) => {
      const found: SocketDetails[] = [...local];
      let answers = 0;
      const requestId = this.#request(
        this.#opts.requestsTimeout,
        (m) => {
          if (m.type !== "fetch-sockets-response") return false;
          found.push(...m.sockets);
          return ++answers >= expected;
        },
        () => resolve(found),
      );
      this.#publish({ type: "fetch-sockets", opts: serialize(opts), requestId });
    });
  }

  override serverSideEmit(packet: unknown[]): void {
    const last = packet[packet.length - 1];
    if (typeof last !== "function") {
      this.#publish({ type: "server-side-emit", packet });
      return;
    }
    const ack = last as (err: Error | null, replies: unknown[]) => void;
    const args = packet.slice(0, -1);
    void this.serverCount().then((count) => {
      const expected = count - 1;
      if (expected <= 0) {
        ack(null, []);
        return;
      }
      const replies: unknown[] = [];
      const requestId = this.#request(
        this.#opts.requestsTimeout,
        (m) => {
          if (m.type !== "server-side-emit-response") return false;
          replies.push(m.reply);
          return replies.length >= expected;
        },
        (timedOut) =>
          ack(timedOut ? new Error("timeout reached: missing responses") : null, replies),
      );
      this.#publish({ type: "server-side-emit", packet: args, requestId });
    });
  }

  /** Applies a message from another server. Call it for every message the transport delivers. */
  onMessage(message: ClusterMessage): void {
    if (message.uid === this.uid || message.nsp !== this.nsp.name) return;
    if (message.type !== "adapter-close") this.#nodes.set(message.uid, Date.now());
    switch (message.type) {
      case "initial-heartbeat":
        this.#publish({ type: "heartbeat" });
        return;
      case "heartbeat":
        return;
      case "adapter-close":
        this.#nodes.delete(message.uid);
        return;
      case "broadcast": {
        const opts = deserialize(message.opts);
        const requestId = message.requestId;
        if (requestId === undefined) {
          super.broadcast(message.packet, opts);
          return;
        }
        const to = message.uid;
        super.broadcastWithAck(
          message.packet,
          opts,
          (clientCount) =>
            this.#respond(to, { type: "broadcast-client-count", requestId, clientCount }),
          (reply) => this.#respond(to, { type: "broadcast-ack", requestId, reply }),
        );
        return;
      }
      case "sockets-join":
        super.addSockets(deserialize(message.opts), message.rooms);
        return;
      case "sockets-leave":
        super.delSockets(deserialize(message.opts), message.rooms);
        return;
      case "disconnect-sockets":
        super.disconnectSockets(deserialize(message.opts), message.close);
        return;
      case "fetch-sockets": {
        const to = message.uid;
        const requestId = message.requestId;
        void super.fetchSockets(deserialize(message.opts)).then((sockets) => {
          this.#respond(to, {
            type: "fetch-sockets-response",
            requestId,
            sockets: sockets.map(toSerialized),
          });
        });
        return;
      }
      case "server-side-emit": {
        const { requestId, packet } = message;
        if (requestId === undefined) {
          this.nsp._onServerSideEmit(packet);
          return;
        }
        const to = message.uid;
        let answered = false;
        const reply = (value: unknown) => {
          if (answered) return;
          answered = true;
          this.#respond(to, { type: "server-side-emit-response", requestId, reply: value });
        };
        this.nsp._onServerSideEmit([...packet, reply]);
        return;
      }
      default:
        this.#requests.get(message.requestId)?.onReply(message);
    }
  }

  /**
   * Opens a request: `onReply` gets each response and returns true when it has them all;
   * `onDone(timedOut)` runs once, at completion or after `timeoutMs`.
   */
  #request(
    timeoutMs: number,
    onReply: (message: ClusterResponse) => boolean,
    onDone?: (timedOut: boolean) => void,
  ): string {
    const requestId = randomBytes(8).toString("hex");
    const timer = setTimeout(() => {
      this.#requests.delete(requestId);
      onDone?.(true);
    }, timeoutMs);
    this.#requests.set(requestId, {
      timer,
      onReply: (message) => {
        if (!onReply(message)) return;
        clearTimeout(timer);
        this.#requests.delete(requestId);
        onDone?.(false);
      },
    });
    return requestId;
  }

  #publish(body: Outgoing): void {
    const message = { ...body, uid: this.uid, nsp: this.nsp.name } as ClusterMessage;
    Promise.resolve()
      .then(() => this.doPublish(message))
      .catch((err: unknown) => this.onPublishError(err));
  }

  #respond(to: string, body: DistributiveOmit<ClusterResponse, "uid" | "nsp">): void {
    const message = { ...body, uid: this.uid, nsp: this.nsp.name } as ClusterMessage;
    Promise.resolve()
      .then(() => this.doPublishResponse(to, message))
      .catch((err: unknown) => this.onPublishError(err));
  }

  /** A publish failed (the transport is down, say). Override to log or count it. */
  protected onPublishError(err: unknown): void {
    console.error("[parley] cluster adapter could not publish:", err);
  }
}

function serialize(opts: BroadcastOptions): SerializedBroadcastOptions {
  return { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags ?? {} };
}

function deserialize(opts: SerializedBroadcastOptions): BroadcastOptions {
  return { rooms: new Set(opts.rooms), except: new Set(opts.except), flags: opts.flags };
}

function toSerialized(socket: SocketDetails): SerializedSocket {
  return {
    id: socket.id,
    handshake: socket.handshake,
    rooms: [...socket.rooms],
    data: socket.data,
  };
}
