import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { EnginePacket, RawData } from "@parley/protocol";
import type {
  ConnectionCloseReason,
  ConnectionEvents,
  ConnectionOwner,
  ConnectionState,
  EngineConnection,
  PreparedMessage,
  SendOptions,
  TransportName,
} from "./contract.js";
import { HandshakeRequest } from "./handshake-request.js";
import type { HeartbeatTarget, HeartbeatWheel } from "./heartbeat.js";
import { leanEvents } from "./lean-events.js";
import type { ResolvedOptions } from "./options.js";
import {
  isPrepared,
  type OutgoingItem,
  type OutgoingPacket,
  type Transport,
  type TransportSink,
} from "./transport.js";
import type { PollingTransport } from "./transports/polling.js";
import type { WebSocketTransport } from "./transports/websocket.js";

/** What a session needs from its engine: one object shared by all of the engine's sessions. */
export interface SessionHost {
  readonly options: ResolvedOptions;
  readonly wheel: HeartbeatWheel;
  onSessionClosed(session: Session): void;
  /** A user handler threw: report it without letting it unwind into the transport. */
  reportError(error: unknown, session: Session): void;
}

type AnyTransport = PollingTransport | WebSocketTransport;

/** A WebSocket that is probing its way to replace polling. Rare, so allocated on demand. */
interface Probe {
  readonly transport: WebSocketTransport;
  readonly timer: ReturnType<typeof setTimeout>;
  /** The peer sent `2probe`: hold packets back from polling until the switch. */
  probing: boolean;
}

function itemSize(item: OutgoingItem): number {
  if (isPrepared(item)) {
    let size = item.cache.get("size") as number | undefined;
    if (size === undefined) {
      size = 0;
      for (const frame of item.frames)
        size += typeof frame === "string" ? frame.length : frame.byteLength;
      item.cache.set("size", size);
    }
    return size;
  }
  const { data } = item;
  return data === undefined ? 1 : typeof data === "string" ? data.length + 1 : data.byteLength;
}

/**
 * The open packet after its sid, per engine options and upgrade list: only the sid differs
 * between sessions, so the rest is serialized once.
 */
const openTails = new WeakMap<ResolvedOptions, [noUpgrade: string, upgrade: string]>();

function openPacket(opts: ResolvedOptions, sid: string, upgrade: boolean): string {
  let tails = openTails.get(opts);
  if (tails === undefined) {
    const tail = (upgrades: TransportName[]) =>
      JSON.stringify({
        upgrades,
        pingInterval: opts.pingInterval,
        pingTimeout: opts.pingTimeout,
        maxPayload: opts.maxHttpBufferSize,
      }).slice(1);
    tails = [tail([]), tail(["websocket"])];
    openTails.set(opts, tails);
  }
  return `{"sid":${JSON.stringify(sid)},${tails[upgrade ? 1 : 0]}`;
}

function asBuffer(data: RawData): RawData {
  if (typeof data === "string" || Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * One Engine.IO session: the send queue, the heartbeat, the upgrade from polling to WebSocket.
 * Transports report through the TransportSink methods; timers are the engine's shared wheel,
 * so a session holds no closures or timers of its own (except while an upgrade probe runs).
 */
export class Session
  extends EventEmitter<ConnectionEvents>
  implements EngineConnection, TransportSink, HeartbeatTarget
{
  readonly id: string;
  /**
   * What the session keeps of its handshake request. Not the request itself: holding a live
   * IncomingMessage for the session's life cost ~1.1 KB per connection.
   */
  readonly handshakeRequest: HandshakeRequest;
  readonly protocol = 4;
  readonly remoteAddress: string;
  _owner: ConnectionOwner | null = null;
  /** Owned by the heartbeat wheel. */
  heartbeatTick = -1;
  readonly #host: SessionHost;
  #transport: AnyTransport;
  #state: ConnectionState = "opening";
  #queue: OutgoingItem[] = [];
  #queuedBytes = 0;
  #flushScheduled = false;
  #awaitingPong = false;
  #pongGraceUsed = false;
  #overLimit = false;
  #closeReason: ConnectionCloseReason = "forced close";
  #probe: Probe | null = null;
  #upgraded = false;

  constructor(host: SessionHost, id: string, request: IncomingMessage, transport: AnyTransport) {
    super();
    // No dictionary-mode `_events` per session: see leanEvents.
    leanEvents(this);
    this.#host = host;
    this.id = id;
    this.handshakeRequest = new HandshakeRequest(request);
    this.remoteAddress = request.socket?.remoteAddress ?? "";
    this.#transport = transport;
    transport.bind(this);
  }

  /** The handshake request, rebuilt on first read (see `HandshakeRequest#message`). */
  get request(): IncomingMessage {
    return this.handshakeRequest.message;
  }

  get transport(): AnyTransport {
    return this.#transport;
  }

  get readyState(): ConnectionState {
    return this.#state;
  }

  /** Whether a WebSocket probe is in progress. */
  get upgrading(): boolean {
    return this.#probe !== null;
  }

  get upgraded(): boolean {
    return this.#upgraded;
  }

  /** Bytes waiting to be sent: the session's queue plus the transport's own buffer. */
  get bufferedBytes(): number {
    return this.#queuedBytes + this.#transport.bufferedBytes();
  }

  /** See `EngineConnection.writable`: the transport is idle, nothing waits to go out. */
  get writable(): boolean {
    const transport = this.#transport;
    return (
      this.#state === "open" &&
      this.#queue.length === 0 &&
      this.#probe?.probing !== true &&
      transport.writable &&
      transport.bufferedBytes() === 0
    );
  }

  /** Sends the `open` packet and starts the heartbeat. Called once, by the engine. */
  open(): void {
    const opts = this.#host.options;
    const upgrade =
      this.#transport.name === "polling" && opts.allowUpgrades && opts.transports.has("websocket");
    this.#state = "open";
    const data = openPacket(opts, this.id, upgrade);
    this.#enqueue({ type: "open", data }, data.length, false);
    this.#flush();
    this.#host.wheel.schedule(this, opts.pingInterval);
  }

  send(data: RawData, options?: SendOptions): void {
    if (this.#state !== "open") return;
    const packet: OutgoingPacket = { type: "message", data };
    if (options?.compress === false) packet.compress = false;
    this.#enqueue(packet, itemSize(packet), options?.volatile === true);
  }

  sendPrepared(message: PreparedMessage): void {
    if (this.#state !== "open") return;
    this.#enqueue(message, itemSize(message), message.options.volatile === true);
  }

  close(): void {
    if (this.#state !== "open") return;
    this.#closeReason = "forced close";
    this.#beginClose();
  }

  /** Ends the session right away (engine shutdown): no waiting for the next polling GET. */
  terminate(reason: ConnectionCloseReason): void {
    this.#finish(reason);
  }

  // --- sending ---------------------------------------------------------------------------

  #enqueue(item: OutgoingItem, size: number, volatile: boolean): void {
    const transport = this.#transport;
    const limit = this.#host.options.maxBufferedBytes;
    const buffered = this.#queuedBytes + transport.bufferedBytes();
    const holding = this.#probe?.probing === true;
    if (volatile && (buffered >= limit || holding || !transport.writable)) return;
    if (buffered > 0 && buffered + size > 2 * limit) {
      this.#finish("send buffer overflow");
      return;
    }
    if (transport.name === "websocket" && this.#queue.length === 0) {
      // WebSocket writes go straight through; ws and the socket buffer them. A write
      // callback (for `drain`) costs per frame, so ask for one only if someone listens.
      transport.writeItem(item, this.listenerCount("drain") > 0);
      return;
    }
    this.#queue.push(item);
    this.#queuedBytes += size;
    if (!this.#flushScheduled && transport.writable && !holding) {
      // Batch everything sent in this tick into one polling response.
      this.#flushScheduled = true;
      process.nextTick(Session.#scheduledFlush, this);
    }
  }

  static #scheduledFlush(session: Session): void {
    session.#flushScheduled = false;
    session.#flush();
  }

  #flush(): void {
    if (this.#state === "closed" || this.#queue.length === 0) return;
    if (this.#probe?.probing === true || !this.#transport.writable) return;
    const items = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#transport.write(items);
  }

  // --- closing ---------------------------------------------------------------------------

  #beginClose(): void {
    this.#state = "closing";
    this.#abortProbe();
    const transport = this.#transport;
    if (transport.name === "websocket" || transport.writable) {
      this.#writeCloseAndFinish();
      return;
    }
    // Polling with no GET waiting: the close packet goes out on the next GET, or we give up.
    this.#host.wheel.schedule(this, this.#host.options.closeTimeout);
  }

  #writeCloseAndFinish(): void {
    const transport = this.#transport;
    if (transport.name === "polling") {
      const items = this.#queue;
      this.#queue = [];
      this.#queuedBytes = 0;
      items.push({ type: "close" });
      transport.write(items);
    } else {
      this.#flush();
    }
    this.#finish(this.#closeReason);
  }

  #finish(reason: ConnectionCloseReason, error?: Error): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#host.wheel.cancel(this);
    this.#abortProbe();
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#transport.close();
    this.#host.onSessionClosed(this);
    const owner = this._owner;
    if (owner !== null) {
      try {
        owner._onClose(reason, error);
      } catch (err) {
        this.#host.reportError(err, this);
      }
    }
    this.#emit("close", reason, error);
  }

  #emitMessage(data: RawData): void {
    const owner = this._owner;
    if (owner !== null) {
      try {
        owner._onData(data);
      } catch (err) {
        this.#host.reportError(err, this);
      }
    }
    this.#emit("message", data);
  }

  #emit<K extends keyof ConnectionEvents>(event: K, ...args: ConnectionEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ConnectionEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#host.reportError(err, this);
    }
  }

  // --- heartbeat -------------------------------------------------------------------------

  onHeartbeatDue(): void {
    const opts = this.#host.options;
    if (this.#state === "closing") {
      this.#finish(this.#closeReason);
      return;
    }
    if (this.#state !== "open") return;
    if (this.#awaitingPong) {
      this.#finish("ping timeout");
      return;
    }
    // A buffer over its limit two heartbeats running means the peer is not keeping up.
    const over = this.bufferedBytes > opts.maxBufferedBytes;
    if (over && this.#overLimit) {
      this.#finish("send buffer overflow");
      return;
    }
    this.#overLimit = over;
    this.#awaitingPong = true;
    this.#pongGraceUsed = false;
    this.#enqueue({ type: "ping" }, 1, false);
    if (this.#state === "open") this.#host.wheel.schedule(this, opts.pingTimeout);
  }

  // --- transport events (TransportSink) --------------------------------------------------

  onTransportPacket(transport: Transport, packet: EnginePacket): void {
    if (this.#probe !== null && transport === this.#probe.transport) {
      this.#onProbePacket(packet);
      return;
    }
    if (transport !== this.#transport || this.#state !== "open") return;
    if (this.#awaitingPong && !this.#pongGraceUsed && packet.type !== "pong") {
      // Like engine.io: traffic while a pong is due proves liveness once per ping.
      this.#pongGraceUsed = true;
      this.#host.wheel.schedule(this, this.#host.options.pingTimeout);
    }
    switch (packet.type) {
      case "message":
        if (packet.data !== undefined) this.#emitMessage(asBuffer(packet.data));
        break;
      case "pong":
        if (!this.#awaitingPong) break;
        this.#awaitingPong = false;
        this.#host.wheel.schedule(this, this.#host.options.pingInterval);
        this.#emit("heartbeat");
        break;
      case "ping":
        this.#finish("transport error", new Error("invalid heartbeat direction"));
        break;
      case "close":
        this.#finish("transport close");
        break;
      default:
        // open, upgrade and noop mean nothing on an established transport.
        break;
    }
  }

  onTransportError(transport: Transport, reason: ConnectionCloseReason, error: Error): void {
    if (this.#probe !== null && transport === this.#probe.transport) {
      this.#abortProbe();
      return;
    }
    if (transport === this.#transport) this.#finish(reason, error);
  }

  onTransportClose(transport: Transport): void {
    if (this.#probe !== null && transport === this.#probe.transport) {
      this.#abortProbe();
      return;
    }
    if (transport === this.#transport) this.#finish("transport close");
  }

  onTransportReady(transport: Transport): void {
    if (transport !== this.#transport) return;
    if (this.#state === "closing") {
      this.#writeCloseAndFinish();
    } else if (this.#probe?.probing === true) {
      // The client is switching: release its GET so it can pause polling.
      this.#transport.write([{ type: "noop" }]);
    } else {
      this.#flush();
    }
  }

  onTransportDrain(transport: Transport): void {
    if (transport === this.#transport && this.#state !== "closed") this.#emit("drain");
  }

  // --- upgrade ---------------------------------------------------------------------------

  /** A WebSocket arrived for this polling session: run the probe dance on it. */
  startProbe(transport: WebSocketTransport): void {
    transport.bind(this);
    if (this.#state !== "open" || this.#probe !== null || this.#transport.name !== "polling") {
      transport.close();
      return;
    }
    const timer = setTimeout(Session.#probeTimeout, this.#host.options.upgradeTimeout, this);
    this.#probe = { transport, timer, probing: false };
  }

  static #probeTimeout(session: Session): void {
    session.#abortProbe();
  }

  #abortProbe(): void {
    const probe = this.#probe;
    if (probe === null) return;
    this.#probe = null;
    clearTimeout(probe.timer);
    probe.transport.close();
    // Packets held back during the probe go out on polling again.
    if (this.#state === "open") this.#flush();
  }

  #onProbePacket(packet: EnginePacket): void {
    const probe = this.#probe as Probe;
    if (packet.type === "ping" && packet.data === "probe") {
      probe.transport.write([{ type: "pong", data: "probe" }]);
      probe.probing = true;
      this.#emit("upgrading", probe.transport);
      if (this.#transport.writable) this.#transport.write([{ type: "noop" }]);
    } else if (packet.type === "upgrade" && this.#state === "open") {
      clearTimeout(probe.timer);
      this.#probe = null;
      const previous = this.#transport as PollingTransport;
      this.#transport = probe.transport;
      this.#upgraded = true;
      previous.discard();
      this.#emit("upgrade", probe.transport);
      // Everything held back, in order, now goes out on the WebSocket.
      this.#flush();
    } else {
      this.#abortProbe();
    }
  }
}
