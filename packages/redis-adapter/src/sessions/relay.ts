import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { Duplex } from "node:stream";
import type {
  BunRelayedSocket,
  BunSessionRelay,
  Engine,
  SessionRelay,
} from "@parley/server/engine";
import { createLogger, describeError, type Logger } from "../logger.js";
import { DEFAULT_KEY } from "../options.js";
import { OrderedPublisher } from "../publisher.js";
import {
  checkSubscriber,
  type RawListener,
  type RedisSubscriber,
  subscribeOn,
  unsubscribeOn,
  watchErrors,
} from "../redis-client.js";
import { fetchThroughTunnel, upgradeThroughTunnel } from "./bun-edge.js";
import { acceptOnBun, type BunListener } from "./bun-owner.js";
import { type EdgeLimits, forwardRequest, forwardUpgrade } from "./edge.js";
import { NodeTable } from "./liveness.js";
import { newNodeId, ownerOf } from "./node-id.js";
import {
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_HEARTBEAT_TIMEOUT,
  positiveOption,
  type SessionRelayOptions,
  type SessionRelayStats,
} from "./options.js";
import { Tunnel, TunnelError, type TunnelLink } from "./tunnel.js";
import {
  decodeRelayMessage,
  encodeControl,
  encodeTunnel,
  Kind,
  nodeChannel,
  sessionChannel,
  type TunnelMessage,
} from "./wire.js";

/** What the relay uses of a Parley engine on Node (`io.engine`, or an `Engine` of your own). */
export type NodeRelayableEngine = Pick<
  Engine,
  "handleRequest" | "handleUpgrade" | "generateId" | "setSessionRelay" | "options"
>;

/** What the relay uses of a Parley engine on Bun (`io.engine` under Bun, or a `BunEngine`). */
export interface BunRelayableEngine extends Pick<Engine, "generateId" | "options"> {
  /** The Bun server the engine serves on (null before its first request). */
  readonly server: BunListener | null;
  setSessionRelay(relay: BunSessionRelay | null): unknown;
}

/** What the relay uses of a Parley engine: a Node one or a Bun one. */
export type RelayableEngine = NodeRelayableEngine | BunRelayableEngine;

function onNode(engine: RelayableEngine): engine is NodeRelayableEngine {
  return typeof (engine as Partial<NodeRelayableEngine>).handleUpgrade === "function";
}

const MAX_TUNNEL_ID = 0xffffffff;

/** Node's HTTP server parsing relayed bytes for a Node engine, on no port. */
function ownerServer(engine: NodeRelayableEngine): HttpServer {
  const server = createServer((req, res) => engine.handleRequest(req, res));
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    engine.handleUpgrade(req, socket, head),
  );
  return server;
}

/** Engines with a relay attached: a second one would prefix the ids twice. */
const attached = new WeakSet<object>();

function ignore(): void {}

/**
 * Lets a Parley cluster run behind a plain round-robin balancer: no sticky sessions.
 *
 * The node that answers a handshake owns the session, and its session ids start with its
 * node id. A request naming a session this node does not hold is relayed, through a byte
 * tunnel over Redis Pub/Sub, to the owner, whose engine serves it exactly as if it had
 * arrived there (polling GET/POST, or the WebSocket upgrade and every frame after it); the
 * answer travels back the same way. When the owner is not alive, the request gets the usual
 * 400 "Session ID unknown" and the client starts a new session where it lands.
 */
export class RedisSessionRelay implements SessionRelay, BunSessionRelay {
  /** This node's id: the first characters of every session id it hands out. */
  readonly nodeId: string;
  readonly stats: SessionRelayStats = {
    requestsOut: 0,
    upgradesOut: 0,
    tunnelsIn: 0,
    refused: 0,
    ignored: 0,
  };
  /**
   * Resolves once the relay listens on Redis and takes requests from the engine (or once it
   * is closed). Never rejects.
   */
  readonly ready: Promise<void>;
  readonly #engine: RelayableEngine;
  readonly #publisher: OrderedPublisher;
  readonly #sub: RedisSubscriber;
  readonly #logger: Logger;
  readonly #key: string;
  readonly #channels: readonly string[];
  readonly #table: NodeTable;
  readonly #maxBuffered: number;
  readonly #limits: EdgeLimits;
  /** Tunnels this node opened (as the edge), by id. */
  readonly #outgoing = new Map<number, Tunnel>();
  /** Tunnels other nodes opened to this one (as the owner), by `<peer>:<id>`. */
  readonly #incoming = new Map<string, Tunnel>();
  /** Parses relayed HTTP for a Node engine; never listens on a port. Null on Bun. */
  readonly #ownerServer: HttpServer | null;
  readonly #listener: RawListener = (message, channel) => this.#onRaw(message, channel);
  readonly #link: TunnelLink;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #interval: number;
  readonly #restoreGenerateId: () => void;
  #nextTunnel = 0;
  #closed = false;

  constructor(engine: RelayableEngine, opts: SessionRelayOptions) {
    if (attached.has(engine)) {
      throw new TypeError("this engine already has a session relay: close it first");
    }
    this.#engine = engine;
    this.nodeId = newNodeId();
    this.#logger = createLogger(opts.debug);
    this.#key = opts.key ?? DEFAULT_KEY;
    this.#channels = [sessionChannel(this.#key), nodeChannel(this.#key, this.nodeId)];
    const interval = positiveOption(
      "heartbeatInterval",
      opts.heartbeatInterval,
      DEFAULT_HEARTBEAT_INTERVAL,
    );
    const timeout = positiveOption(
      "heartbeatTimeout",
      opts.heartbeatTimeout,
      DEFAULT_HEARTBEAT_TIMEOUT,
    );
    const eo = engine.options;
    this.#maxBuffered = positiveOption(
      "maxBufferedBytes",
      opts.maxBufferedBytes,
      2 * eo.maxBufferedBytes + eo.maxHttpBufferSize + 65_536,
    );
    this.#limits = {
      maxBody: eo.maxHttpBufferSize,
      // A held GET is answered within a ping interval; past this, something is wrong.
      answerTimeout: eo.pingInterval + eo.pingTimeout + timeout,
    };
    this.#table = new NodeTable(timeout);
    watchErrors(opts.pubClient, this.#logger, "publish");
    watchErrors(opts.subClient, this.#logger, "subscribe");
    checkSubscriber(opts.subClient, opts.pubsub ?? "auto");
    this.#publisher = new OrderedPublisher(opts.pubClient, opts.pubsub ?? "auto", this.#logger);
    this.#sub = opts.subClient;
    this.#link = {
      send: (tunnel, kind, payload) =>
        this.#publisher.send(
          nodeChannel(this.#key, tunnel.peer),
          encodeTunnel(kind, this.nodeId, !tunnel.initiator, tunnel.id, payload),
        ),
      forget: (tunnel) => this.#forget(tunnel),
    };
    this.#ownerServer = onNode(engine) ? ownerServer(engine) : null;
    this.#restoreGenerateId = this.#prefixIds();
    attached.add(engine);
    this.#interval = interval;
    this.ready = this.#start();
  }

  /** The other nodes currently known to be alive. */
  liveNodes(): string[] {
    return this.#table.alive();
  }

  // --- the engine's SessionRelay ----------------------------------------------------------

  relayRequest(req: IncomingMessage, res: ServerResponse, sid: string): boolean {
    const owner = this.#route(req, sid);
    if (owner === null) return false;
    this.stats.requestsOut++;
    forwardRequest(this.#open(owner), req, res, this.#limits);
    return true;
  }

  relayUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, sid: string): boolean {
    const owner = this.#route(req, sid);
    if (owner === null) return false;
    this.stats.upgradesOut++;
    forwardUpgrade(this.#open(owner), req, socket, head);
    return true;
  }

  /** The Bun engine's side (`BunSessionRelay`): polling requests and upgrades alike. */
  relayFetch(
    request: Request,
    sid: string,
    upgrade: boolean,
  ): Promise<Response | BunRelayedSocket> | null {
    const owner = this.#owner(sid);
    if (owner === null) return null;
    const tunnel = this.#open(owner);
    if (upgrade) {
      this.stats.upgradesOut++;
      return upgradeThroughTunnel(tunnel, request, this.#limits, this.#maxBuffered);
    }
    this.stats.requestsOut++;
    return fetchThroughTunnel(tunnel, request, this.#limits, this.#maxBuffered);
  }

  /**
   * Stops relaying: says goodbye (so other nodes refuse this node's sessions at once rather
   * than at the heartbeat timeout), drops every relayed connection, leaves the channels.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#engine.setSessionRelay(null);
    this.#restoreGenerateId();
    attached.delete(this.#engine);
    const bye = this.#publish(sessionChannel(this.#key), encodeControl(Kind.BYE, this.nodeId));
    for (const tunnel of [...this.#outgoing.values(), ...this.#incoming.values()]) {
      tunnel.destroy(new TunnelError("RELAY_PEER_GONE", "the session relay is closing"));
    }
    const done = Promise.allSettled([
      bye,
      ...this.#channels.map((c) =>
        this.#publisher.ready.then((mode) => unsubscribeOn(this.#sub, mode, c, this.#listener)),
      ),
    ]).then(() => this.#publisher.flush());
    // With Redis unreachable these would wait for its return: do not hold up a shutdown.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
  }

  // --- setup ------------------------------------------------------------------------------

  /** Makes the engine's session ids start with this node's id. Returns the undo. */
  #prefixIds(): () => void {
    const engine = this.#engine;
    const own = Object.hasOwn(engine, "generateId");
    const previous = engine.generateId;
    const prefix = this.nodeId;
    engine.generateId = (req: IncomingMessage) => {
      const id = previous.call(engine, req);
      if (typeof id === "string") return prefix + id;
      return id.then((v) => (typeof v === "string" ? prefix + v : v));
    };
    return () => {
      if (own) engine.generateId = previous;
      else Reflect.deleteProperty(engine, "generateId");
    };
  }

  /** Subscribes (retrying while Redis refuses), then takes requests. Never rejects. */
  async #start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) return;
      try {
        const mode = await this.#publisher.ready;
        await Promise.all(
          this.#channels.map((c) => subscribeOn(this.#sub, mode, c, this.#listener)),
        );
        break;
      } catch (err) {
        this.#logger.warn(
          "subscribe",
          `session relay could not subscribe (${describeError(err)}); retrying`,
        );
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)).unref());
      }
    }
    if (this.#closed) return;
    this.#logger.debug(`session relay ${this.nodeId} listening on ${this.#channels.join(", ")}`);
    // Only now can answers reach us: take requests from the engine from here on, and only now
    // tell other nodes we are alive (they would relay our sessions' requests to a channel we
    // do not hear yet).
    this.#engine.setSessionRelay(this);
    this.#timer = setInterval(() => this.#beat(), this.#interval);
    this.#timer.unref();
    // Every node answers a HELLO with a heartbeat, so we know the cluster right away.
    await this.#publish(sessionChannel(this.#key), encodeControl(Kind.HELLO, this.nodeId));
  }

  #beat(): void {
    void this.#publish(sessionChannel(this.#key), encodeControl(Kind.HEARTBEAT, this.nodeId));
    for (const node of this.#table.sweep()) {
      this.#logger.debug(`session relay: node ${node} is gone (no heartbeat)`);
      this.#dropPeer(node, `node ${node} stopped heartbeating`);
    }
  }

  #publish(channel: string, message: Buffer): Promise<void> {
    return this.#publisher.send(channel, message).then(ignore, (err: unknown) => {
      this.#logger.warn("publish", `could not publish on ${channel}: ${describeError(err)}`);
    });
  }

  // --- the edge ---------------------------------------------------------------------------

  /** The live node, other than this one, that owns `sid`; null to let the engine refuse. */
  #route(req: IncomingMessage, sid: string): string | null {
    // A request that came through a tunnel is never relayed again: no loops, whatever happens.
    if (req.socket instanceof Tunnel) return null;
    return this.#owner(sid);
  }

  /**
   * The live owner of `sid` other than this node. (On Bun a relayed request reaches the engine
   * over loopback, not a Tunnel; it names a session of this node, so it is not relayed again.)
   */
  #owner(sid: string): string | null {
    if (this.#closed) return null;
    const owner = ownerOf(sid);
    if (owner === null || owner === this.nodeId) return null;
    if (!this.#table.isAlive(owner)) {
      this.stats.refused++;
      this.#logger.debug(`session relay: ${sid} belongs to ${owner}, which is not alive`);
      return null;
    }
    return owner;
  }

  #open(owner: string): Tunnel {
    let id = this.#nextTunnel;
    while (this.#outgoing.has(id)) id = id === MAX_TUNNEL_ID ? 0 : id + 1;
    this.#nextTunnel = id === MAX_TUNNEL_ID ? 0 : id + 1;
    const tunnel = new Tunnel(this.#link, owner, id, true, this.#maxBuffered);
    this.#outgoing.set(id, tunnel);
    return tunnel;
  }

  // --- the owner --------------------------------------------------------------------------

  #accept(peer: string, id: number, payload: Buffer): void {
    const tunnel = new Tunnel(this.#link, peer, id, false, this.#maxBuffered);
    this.#incoming.set(`${peer}:${id}`, tunnel);
    this.stats.tunnelsIn++;
    tunnel.on("error", ignore);
    if (this.#ownerServer !== null) this.#ownerServer.emit("connection", tunnel);
    else acceptOnBun(tunnel, (this.#engine as BunRelayableEngine).server);
    tunnel.receive(Kind.OPEN, payload);
  }

  #forget(tunnel: Tunnel): void {
    if (tunnel.initiator) {
      if (this.#outgoing.get(tunnel.id) === tunnel) this.#outgoing.delete(tunnel.id);
    } else {
      const key = `${tunnel.peer}:${tunnel.id}`;
      if (this.#incoming.get(key) === tunnel) this.#incoming.delete(key);
    }
  }

  #dropPeer(node: string, why: string): void {
    for (const tunnel of [...this.#outgoing.values(), ...this.#incoming.values()]) {
      if (tunnel.peer === node) tunnel.peerGone(why);
    }
  }

  // --- messages ---------------------------------------------------------------------------

  #onRaw(raw: Buffer, channel: Buffer): void {
    if (this.#closed) return;
    const message = decodeRelayMessage(raw);
    if (typeof message === "string") {
      this.stats.ignored++;
      this.#logger.warn(
        "malformed",
        `session relay ignored a malformed message on channel "${channel.toString()}": ${message}`,
      );
      return;
    }
    const from = message.from;
    if (from === this.nodeId) return;
    switch (message.kind) {
      case Kind.HELLO:
        this.#heard(from);
        void this.#publish(
          nodeChannel(this.#key, from),
          encodeControl(Kind.HEARTBEAT, this.nodeId),
        );
        return;
      case Kind.HEARTBEAT:
        this.#heard(from);
        return;
      case Kind.BYE:
        this.#table.forget(from);
        this.#logger.debug(`session relay: node ${from} left`);
        this.#dropPeer(from, `node ${from} left`);
        return;
      default:
        this.#heard(from);
        this.#onTunnelMessage(message);
    }
  }

  #heard(node: string): void {
    if (this.#table.heard(node)) this.#logger.debug(`session relay: node ${node} is alive`);
  }

  #onTunnelMessage(message: TunnelMessage): void {
    const { from, tunnel: id, kind } = message;
    const tunnel = message.reply ? this.#outgoing.get(id) : this.#incoming.get(`${from}:${id}`);
    if (tunnel !== undefined && tunnel.peer === from) {
      tunnel.receive(kind, message.payload);
      return;
    }
    if (kind === Kind.OPEN && !message.reply) {
      this.#accept(from, id, message.payload);
      return;
    }
    // Bytes for a tunnel we no longer have: tell the sender to drop its end too.
    if (kind === Kind.DATA) {
      void this.#publish(
        nodeChannel(this.#key, from),
        encodeTunnel(Kind.RESET, this.nodeId, !message.reply, id),
      );
    }
  }
}
