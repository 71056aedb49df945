import { randomBytes } from "node:crypto";
import type { Packet } from "@parley/protocol";
import type {
  AdapterNamespace,
  BroadcastOptions,
  NotRestored,
  PrivateSessionId,
  RestoredSession,
  Room,
  SocketDetails,
  SocketId,
} from "./adapter.js";
import { type NodeDownReason, NodeLiveness } from "./cluster-liveness.js";
import {
  type ClusterMessage,
  type ClusterMessageOf,
  type ClusterResponse,
  EMITTER_UID,
} from "./cluster-message.js";
import { PendingRequests, type RequestHandlers } from "./cluster-requests.js";
import { deserialize, serialize, toSerialized } from "./cluster-serialize.js";
import { InMemoryAdapter, settleAll } from "./in-memory-adapter.js";
import { answerRestore, answerTail, SessionHandover } from "./session-handover.js";

/** Defaults: a killed server is declared dead ~1.2 s after its last heartbeat. */
export const DEFAULT_HEARTBEAT_INTERVAL = 400;
export const DEFAULT_HEARTBEAT_TIMEOUT = 1200;
export const DEFAULT_RESTORE_TIMEOUT = 500;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Outgoing = DistributiveOmit<ClusterMessage, "uid" | "nsp">;

export interface ClusterAdapterOptions {
  /**
   * Milliseconds between heartbeats (default 400). Each server publishes one per interval
   * and namespace, heard by every other server: see "Cost of liveness" in the README.
   */
  heartbeatInterval?: number;
  /**
   * A server silent this long is declared dead (default 1200: three missed heartbeats).
   * Requests stop waiting for it at once, so this bounds what a crashed server costs them.
   */
  heartbeatTimeout?: number;
  /** How long `fetchSockets` / `serverSideEmit` wait for other servers (default 5000). */
  requestsTimeout?: number;
  /**
   * How long a reconnecting client's handshake may wait for the server holding its session
   * (connection state recovery) when that server does not answer (default 500). A holder
   * that was killed but is not yet declared dead would otherwise hold the handshake until
   * `heartbeatTimeout`; past this bound the client gets a fresh session, with the reason
   * `"holder_unreachable"`. A live holder answers in a Redis round trip.
   */
  restoreTimeout?: number;
  /**
   * When a server has not answered by the timeout, `fetchSockets` resolves with the sockets
   * that did arrive and a `serverSideEmit` ack gets `(null, replies so far)`, instead of
   * failing (default false: `fetchSockets` rejects, the ack gets a timeout error).
   */
  partialResults?: boolean;
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
 * A request (`fetchSockets`, `serverSideEmit` with an ack, a broadcast with acks) awaits the
 * servers live when it was made; one declared dead meanwhile (missed heartbeats, or its
 * `adapter-close`) is no longer awaited, so the request completes with everyone else.
 */
export abstract class ClusterAdapter extends InMemoryAdapter {
  /** This server's id in the cluster. */
  readonly uid: string = randomBytes(8).toString("hex");
  readonly #opts: Required<ClusterAdapterOptions>;
  readonly #nodes: NodeLiveness;
  readonly #requests = new PendingRequests();
  /** Connection state recovery through this server of sessions other servers hold. */
  readonly #handover: SessionHandover | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /**
   * @param memoryRecovery false when a subclass keeps connection-state-recovery sessions and
   *   packets elsewhere (durable sessions): no in-memory store, no hand-over between servers.
   */
  constructor(nsp: AdapterNamespace, opts: ClusterAdapterOptions = {}, memoryRecovery = true) {
    super(nsp, memoryRecovery);
    this.#opts = {
      heartbeatInterval: opts.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL,
      heartbeatTimeout: opts.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT,
      requestsTimeout: opts.requestsTimeout ?? 5000,
      restoreTimeout: opts.restoreTimeout ?? DEFAULT_RESTORE_TIMEOUT,
      partialResults: opts.partialResults ?? false,
    };
    this.#nodes = new NodeLiveness(
      this.#opts.heartbeatTimeout,
      (uid) => {
        this.onNodeUp(uid);
        this.#announce("server-up", uid);
      },
      (uid, reason) => {
        // Before anyone hears of it: no request may go on waiting for a dead server.
        this.#requests.nodeGone(uid);
        this.onNodeDown(uid, reason);
        this.#announce("server-down", uid);
      },
    );
    const store = this.recoveryStore;
    const recovery = nsp._recovery;
    if (store !== undefined && recovery !== undefined) {
      this.#handover = new SessionHandover({
        store,
        restoreTimeout: this.#opts.restoreTimeout,
        maxPackets: recovery.maxPackets,
        maxBytes: recovery.maxBytes,
        liveNodes: () => this.#nodes.uids(),
        ask: (servers, handlers, body) => {
          // Only servers alive now: one already declared dead would never answer.
          const live = [...servers].filter((uid) => this.#nodes.has(uid));
          const requestId = this.#request(body.type, live, this.#opts.restoreTimeout, handlers);
          this.#publish({ ...body, requestId });
        },
        holdRooms: (rooms) => this.holdRooms(rooms),
        warn: (message) => this.onPublishError(new Error(message)),
      });
    }
  }

  /** `server-up` / `server-down` for whoever listens (presence); a throw is reported. */
  #announce(event: "server-up" | "server-down", uid: string): void {
    if (this.listenerCount(event) === 0) return;
    try {
      this.emit(event, uid);
    } catch (err) {
      this.nsp.reportListenerError?.(err, `adapter ${event}`);
    }
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
    // Deaths are declared by NodeLiveness's own timer, at each server's deadline.
    this.#heartbeat = setInterval(
      () => this.#publish({ type: "heartbeat" }),
      this.#opts.heartbeatInterval,
    );
    this.#heartbeat.unref();
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    // Nothing more will arrive: settle every pending request with what it has.
    this.#requests.finishAll();
    this.#nodes.close();
    this.#handover?.close();
    this.#publish({ type: "adapter-close" });
    // The in-memory part holds the connection-state-recovery store and its expiry timer.
    super.close();
  }

  /** Uids of the other servers currently known alive. */
  protected liveNodes(): string[] {
    return [...this.#nodes.uids()];
  }

  /** Whether server `uid` is alive as far as heartbeats tell. */
  protected isAlive(uid: string): boolean {
    return this.#nodes.has(uid);
  }

  /**
   * Asks server `uid` alone for session `pid` (a `restore-session`); resolves true once it
   * answered, false when it did not within `restoreTimeout` or was declared dead meanwhile.
   */
  protected askHolder(uid: string, pid: PrivateSessionId, offset: string): Promise<boolean> {
    if (!this.#nodes.has(uid)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const requestId = this.#request("restore-session", [uid], this.#opts.restoreTimeout, {
        onResponse: (m) => {
          if (m.type !== "restore-session-response") return false;
          resolve(true);
          return true;
        },
        onDone: () => resolve(false),
      });
      this.#publish({ type: "restore-session", pid, offset, requestId });
    });
  }

  /** Another server was heard from for the first time (or again, after it was declared dead). */
  protected onNodeUp(_uid: string): void {}

  /** Another server was declared dead; pending requests no longer wait for it. */
  protected onNodeDown(_uid: string, _reason: NodeDownReason): void {}

  /**
   * How many of this server's requests wait on server `uid` now (every pending request
   * without `uid`). For tests and metrics: after `uid` is declared dead it is 0.
   */
  requestsAwaiting(uid?: string): number {
    return this.#requests.awaiting(uid);
  }

  override serverCount(): Promise<number> {
    return Promise.resolve(this.#nodes.size + 1);
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    if (opts.flags?.local !== true) {
      const message: Outgoing = { type: "broadcast", packet: { ...packet }, opts: serialize(opts) };
      // The offset super.broadcast is about to give it: its id on every server that keeps it.
      const store = this.recoveryStore;
      if (store !== undefined && this.storable(packet, opts)) message.id = store.nextOffset();
      this.#publish(message);
    }
    super.broadcast(packet, opts);
  }

  /** A socket of a session handed over to this server stops being captured for. */
  override addAll(id: SocketId, rooms: ReadonlySet<Room>): Promise<void> | void {
    this.#handover?.joined(id);
    return super.addAll(id, rooms);
  }

  /**
   * Makes broadcasts to `rooms` reach this server, for a session being handed over to it or
   * from it (whatever the transport needs: subscriptions to room channels, held for the
   * recovery window); settles once they would. Nothing to do by default.
   */
  protected holdRooms(_rooms: readonly Room[]): Promise<void> | void {}

  override broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    if (opts.flags?.local !== true && this.#nodes.size > 0) {
      // A server's client count is passed on only once all its clients have answered (or
      // once it dies, as the number that did): the caller then completes as soon as every
      // live server is done, and a dead server's clients are not waited for.
      const perNode = new Map<string, { count: number | undefined; acks: number }>();
      const timeout = opts.flags?.timeout ?? this.#opts.requestsTimeout;
      const requestId = this.#request("broadcast-ack", this.#nodes.uids(), timeout, {
        onResponse: (m) => {
          let state = perNode.get(m.uid);
          if (state === undefined) {
            state = { count: undefined, acks: 0 };
            perNode.set(m.uid, state);
          }
          if (m.type === "broadcast-client-count") state.count = m.clientCount;
          else if (m.type === "broadcast-ack") {
            state.acks++;
            ack(m.reply);
          } else return false;
          if (state.count === undefined || state.acks < state.count) return false;
          clientCountCallback(state.count);
          return true;
        },
        onGone: (uid) => clientCountCallback(perNode.get(uid)?.acks ?? 0),
      });
      const remote = { ...packet };
      delete remote.id;
      this.#publish({ type: "broadcast", packet: remote, opts: serialize(opts), requestId });
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  /** Settles once every live server has made its sockets join (see `#everywhere`). */
  override addSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void {
    if (opts.flags?.local === true) return super.addSockets(opts, rooms);
    const remote = this.#everywhere({ type: "sockets-join", opts: serialize(opts), rooms });
    return settleAll([super.addSockets(opts, rooms), remote]);
  }

  /** Settles once every live server has made its sockets leave (see `#everywhere`). */
  override delSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void {
    if (opts.flags?.local === true) return super.delSockets(opts, rooms);
    const remote = this.#everywhere({ type: "sockets-leave", opts: serialize(opts), rooms });
    return settleAll([super.delSockets(opts, rooms), remote]);
  }

  /**
   * Publishes a join or leave, and (when other servers are alive) asks each to say when it
   * has applied it, its room subscriptions included: `await io.socketsJoin(room)` followed by
   * a broadcast to `room` then reaches the sockets of every server. Settles when all answered,
   * or died, or at `requestsTimeout`; never rejects, since socket.io's `socketsJoin` returns
   * nothing and code that ignores the promise must not meet an unhandled rejection.
   */
  #everywhere(
    body: DistributiveOmit<
      ClusterMessageOf<"sockets-join" | "sockets-leave">,
      "uid" | "nsp" | "requestId"
    >,
  ): Promise<void> | undefined {
    if (this.#nodes.size === 0) {
      this.#publish(body);
      return undefined;
    }
    return new Promise((resolve) => {
      const requestId = this.#request(body.type, this.#nodes.uids(), this.#opts.requestsTimeout, {
        onResponse: (m) => m.type === "sockets-applied",
        onDone: () => resolve(),
      });
      this.#publish({ ...body, requestId });
    });
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (opts.flags?.local !== true) {
      this.#publish({ type: "disconnect-sockets", opts: serialize(opts), close });
    }
    super.disconnectSockets(opts, close);
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local === true || this.#nodes.size === 0) return local;
    return new Promise((resolve, reject) => {
      const found: SocketDetails[] = [...local];
      const expected = this.#nodes.size;
      let answers = 0;
      const timeout = opts.flags?.timeout ?? this.#opts.requestsTimeout;
      const requestId = this.#request("fetch-sockets", this.#nodes.uids(), timeout, {
        onResponse: (m) => {
          if (m.type !== "fetch-sockets-response") return false;
          found.push(...m.sockets);
          answers++;
          return true;
        },
        onDone: (timedOut) => {
          if (!timedOut || this.#opts.partialResults) resolve(found);
          else reject(missingResponses(answers, expected));
        },
      });
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
    const expected = this.#nodes.size;
    if (expected === 0) {
      queueMicrotask(() => ack(null, []));
      return;
    }
    const replies: unknown[] = [];
    const requestId = this.#request(
      "server-side-emit",
      this.#nodes.uids(),
      this.#opts.requestsTimeout,
      {
        onResponse: (m) => {
          if (m.type !== "server-side-emit-response") return false;
          replies.push(m.reply);
          return true;
        },
        onDone: (timedOut) => {
          if (!timedOut || this.#opts.partialResults) ack(null, replies);
          else ack(missingResponses(replies.length, expected), replies);
        },
      },
    );
    this.#publish({ type: "server-side-emit", packet: args, requestId });
  }

  /**
   * A session this server does not hold may be held by another: behind a balancer, a client
   * that reconnects rarely lands on the server it left, and the session (with the packets it
   * missed) stays where its socket disconnected. It is handed over without loss or
   * duplicates (see `SessionHandover`), each step bounded by `restoreTimeout`. Without
   * recovery, or alone in the cluster, nothing is asked.
   */
  override restoreSession(
    pid: PrivateSessionId,
    offset: string,
  ): Promise<RestoredSession | NotRestored | null> | RestoredSession | NotRestored | null {
    const local = this.restoreLocalSession(pid, offset);
    if (local !== null || this.#handover === undefined || this.#nodes.size === 0) return local;
    return this.#handover.restore(pid, offset);
  }

  /** Applies a message from another server. Call it for every message the transport delivers. */
  onMessage(message: ClusterMessage): void {
    if (this.#closed || message.uid === this.uid || message.nsp !== this.nsp.name) return;
    if (message.type === "adapter-close") {
      this.#nodes.gone(message.uid, "adapter closed");
      return;
    }
    if (message.uid !== EMITTER_UID) {
      this.#nodes.heard(message.uid);
    } else if (
      message.type === "initial-heartbeat" ||
      (message as { requestId?: unknown }).requestId !== undefined
    ) {
      return; // an emitter neither joins the cluster nor asks questions
    }
    switch (message.type) {
      case "initial-heartbeat":
        this.#publish({ type: "heartbeat" });
        return;
      case "heartbeat":
        return;
      case "broadcast": {
        const opts = deserialize(message.opts);
        const requestId = message.requestId;
        if (requestId === undefined) {
          this.deliver(message.packet, opts, message.id);
          return;
        }
        const to = message.uid;
        const packet = message.packet;
        super.broadcastWithAck(
          packet,
          opts,
          (clientCount) =>
            this.#respond(to, { type: "broadcast-client-count", requestId, clientCount }),
          (reply) => this.#respond(to, { type: "broadcast-ack", requestId, reply }),
        );
        // The requester stops listening at its timeout; so do this server's sockets.
        const id = packet.id;
        const timeout = opts.flags?.timeout ?? this.#opts.requestsTimeout;
        if (id !== undefined) {
          setTimeout(() => {
            for (const socket of this.nsp.sockets.values()) socket._forgetAck(id);
          }, timeout).unref();
        }
        return;
      }
      case "sockets-join":
      case "sockets-leave": {
        const opts = deserialize(message.opts);
        const applied =
          message.type === "sockets-join"
            ? super.addSockets(opts, message.rooms)
            : super.delSockets(opts, message.rooms);
        const { requestId } = message;
        if (requestId === undefined) return;
        const to = message.uid;
        const answer = () => this.#respond(to, { type: "sockets-applied", requestId });
        if (applied instanceof Promise) void applied.then(answer);
        else answer();
        return;
      }
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
            sockets: sockets.map((s) => toSerialized(s, this.roomsOf(s.id))),
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
      case "restore-session":
        answerRestore(
          this.recoveryStore,
          message,
          (m) => this.#respond(message.uid, m),
          (rooms) => this.holdRooms(rooms),
        );
        return;
      case "restore-session-tail":
        if (message.holder === this.uid) {
          answerTail(this.recoveryStore, message, (m) => this.#respond(message.uid, m));
        }
        return;
      default:
        this.#onResponse(message);
    }
  }

  #onResponse(message: ClusterResponse): void {
    this.#requests.onResponse(message);
  }

  /** Opens a request awaiting `servers` (a subset of the live ones); see `PendingRequests`. */
  #request(
    type: string,
    servers: Iterable<string>,
    timeoutMs: number,
    handlers: RequestHandlers,
  ): string {
    // Requests are not a hot path, but with nobody listening (metrics off) nothing is wrapped.
    if (this.listenerCount("cluster-request-timeout") > 0) {
      const done = handlers.onDone;
      handlers = {
        ...handlers,
        onDone: (timedOut) => {
          if (timedOut && !this.#closed) this.emit("cluster-request-timeout", type);
          done?.(timedOut);
        },
      };
    }
    this.emit("cluster-request", type);
    return this.#requests.open(servers, timeoutMs, handlers);
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

function missingResponses(received: number, expected: number): Error {
  return new Error(`timeout reached: only ${received} responses received out of ${expected}`);
}
