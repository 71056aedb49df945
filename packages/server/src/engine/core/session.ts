import type { EnginePacket, RawData } from "@parley/protocol";
import { debugLog } from "../../debug.js";
import { LazyEventEmitter } from "../lean-events.js";
import type {
  Connection,
  ConnectionCloseReason,
  ConnectionEvents,
  ConnectionOwner,
  ConnectionState,
  HandshakeInfo,
  MessageData,
  PacketInfo,
  PreparedMessage,
  SendCallback,
  SendOptions,
} from "./contract.js";
import { invalidHeartbeat, v3Deadline } from "./eio3-heartbeat.js";
import type { HeartbeatTarget, HeartbeatWheel } from "./heartbeat.js";
import type { PacketHook } from "./hooks.js";
import type { CoreOptions } from "./options.js";
import { asBuffer, itemSize, messageData, openPacket, packetsOf } from "./outgoing.js";
import { PendingWrites } from "./pending-writes.js";
import type { OutgoingItem, OutgoingPacket, Transport, TransportSink } from "./transport.js";
import { UpgradeProbe, upgradeRefusal } from "./upgrade-probe.js";

/** What a session needs from its engine: one object shared by all of the engine's sessions. */
export interface SessionHost<Req = unknown, Info extends HandshakeInfo = HandshakeInfo> {
  readonly options: CoreOptions<Req>;
  readonly wheel: HeartbeatWheel;
  /** The engine's packet hook (see `PacketHook`); null when none, one field read per packet. */
  readonly packetHook: PacketHook | null;
  /**
   * The handshake request as `socket.handshake` reads it, made on demand from what the
   * session kept of it (so an idle session holds no second object). Runtime-specific.
   */
  handshakeInfo(kept: unknown): Info;
  /**
   * The runtime's request from what the session kept (`retainRequest`'s result): the kept
   * object itself, or one the front builds on first read and returns from then on.
   */
  requestOf(kept: unknown): Req;
  onSessionClosed(session: Session<Req, Info>): void;
  /** A user handler threw: report it without letting it unwind into the transport. */
  reportError(error: unknown, session: Session<Req, Info>): void;
}

const log = debugLog("parley:engine:socket", "engine:socket");

/** Bits of `Session#flags`. */
const FLUSH_SCHEDULED = 1;
const AWAITING_PONG = 2;
/** Traffic while a pong was due already pushed its deadline back once (engine.io). */
const PONG_GRACE_USED = 4;
/** The send buffer was over its limit at the last heartbeat. */
const OVER_LIMIT = 8;
const UPGRADED = 16;
/** The peer speaks Engine.IO v3 (see `protocol`). */
const V3 = 32;

/** How long a closing polling session waits for the GET its close packet goes out on. */
const POLLING_CLOSE_TIMEOUT = 30_000;

/**
 * One Engine.IO session: the send queue, the heartbeat, the upgrade from polling to WebSocket.
 * Transports report through the TransportSink methods; timers are the engine's shared wheel,
 * so a session holds no closures or timers of its own (except while an upgrade probe runs).
 */
export class Session<Req = unknown, Info extends HandshakeInfo = HandshakeInfo>
  extends LazyEventEmitter<ConnectionEvents>
  implements Connection<Req, Info>, TransportSink, HeartbeatTarget
{
  readonly id: string;
  readonly remoteAddress: string;
  /** @internal */
  _owner: ConnectionOwner | null = null;
  /** Owned by the heartbeat wheel. */
  heartbeatTick = -1;
  readonly #host: SessionHost<Req, Info>;
  /** What the front kept of the handshake request (see `request`). */
  readonly #kept: unknown;
  #transport: Transport;
  #state: ConnectionState = "opening";
  /** Packets waiting for the transport; null while there are none (most of a session's life). */
  #pending: PendingWrites | null = null;
  /** The session's yes/no states (FLUSH_SCHEDULED…), one small integer: not a field each. */
  #flags = 0;
  /**
   * While open: when the next ping is due, then, once sent, when its pong is due
   * (`performance.now()` time). While closing a polling session: when to give up on the GET
   * the close goes out on. One field for all three, as they never overlap: a double costs a
   * heap box per session.
   */
  #deadline = 0;
  /** A transport probing its way to replace `#transport`; null but during an upgrade. */
  #probe: UpgradeProbe | null = null;

  /**
   * @param kept what the front keeps of the handshake request for the session's life (its
   *   `retainRequest`: the request itself, or a compact record of it; see `request`).
   */
  constructor(
    host: SessionHost<Req, Info>,
    id: string,
    kept: unknown,
    remoteAddress: string,
    transport: Transport,
    protocol: 3 | 4 = 4,
  ) {
    // No `_events` table or other EventEmitter field until a listener comes (LazyEventEmitter).
    super();
    if (protocol === 3) this.#flags = V3;
    this.#host = host;
    this.id = id;
    this.#kept = kept;
    this.remoteAddress = remoteAddress;
    this.#transport = transport;
    transport.bind(this);
  }

  /**
   * Engine.IO revision the peer speaks: 4, or 3 with `allowEIO3` (the peer pings, we answer;
   * see `eio3/heartbeat.ts`). Fixed at the handshake, like the transports' wire format.
   */
  get protocol(): 3 | 4 {
    return (this.#flags & V3) !== 0 ? 3 : 4;
  }

  #has(flag: number): boolean {
    return (this.#flags & flag) !== 0;
  }

  #set(flag: number, on: boolean): void {
    this.#flags = on ? this.#flags | flag : this.#flags & ~flag;
  }

  /**
   * The handshake request itself (engine.io's `socket.request`): the object middlewares and
   * `allowRequest` saw, so fields they add, now or later (`req.session`), are all there. A
   * front that kept only a record (nothing saw the request) builds it on first read; the
   * same object from then on.
   */
  get request(): Req {
    return this.#host.requestOf(this.#kept);
  }

  /** The handshake request as `socket.handshake` reads it (url, headers, TLS or not). */
  get handshakeRequest(): Info {
    return this.#host.handshakeInfo(this.#kept);
  }

  get transport(): Transport {
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
    return this.#has(UPGRADED);
  }

  /** Bytes waiting to be sent: the session's queue plus the transport's own buffer. */
  get bufferedBytes(): number {
    const pending = this.#pending;
    return (pending === null ? 0 : pending.bytes) + this.#transport.bufferedBytes();
  }

  /** See `EngineConnection.writable`: the transport is idle, nothing waits to go out. */
  get writable(): boolean {
    const transport = this.#transport;
    return (
      this.#state === "open" &&
      this.#pending === null &&
      this.#probe?.probing !== true &&
      transport.writable &&
      transport.bufferedBytes() === 0
    );
  }

  /** Sends the `open` packet (and `initialPacket`) and starts the heartbeat. Called once. */
  open(): void {
    const opts = this.#host.options;
    this.#state = "open";
    const data = openPacket(opts, this.id, this.#transport);
    if (log.enabled) log("sid %s: open on %s", this.id, this.#transport.name);
    this.#created("open", data, true);
    this.#enqueue({ type: "open", data }, data.length, false, undefined);
    const initial = opts.initialPacket;
    if (initial !== undefined) {
      const packet: OutgoingPacket = { type: "message", data: initial };
      this.#created("message", initial, true);
      this.#enqueue(packet, itemSize(packet), false, undefined);
    }
    this.#flush();
    // v3: no ping of ours; the peer's first ping is due within pingInterval + pingTimeout.
    if (this.protocol === 3) this.#host.wheel.schedule(this, v3Deadline(opts));
    else this.#schedulePing(opts.pingInterval);
  }

  send(data: MessageData, options?: SendOptions | SendCallback, callback?: SendCallback): this {
    let opts = options;
    let cb = callback;
    if (typeof opts === "function") {
      cb = opts;
      opts = undefined;
    }
    if (this.#state !== "open") return this;
    // Text (every Socket.IO packet without binary) is the per-message case: no helper calls.
    const raw = typeof data === "string" ? data : messageData(data);
    const packet: OutgoingPacket =
      raw === undefined ? { type: "message" } : { type: "message", data: raw };
    const compress = opts?.compress !== false;
    if (!compress) packet.compress = false;
    if (this.#host.packetHook !== null || this.#listens("packetCreate")) {
      this.#created("message", raw, compress);
    }
    const size = typeof raw === "string" ? raw.length + 1 : itemSize(packet);
    this.#enqueue(packet, size, opts?.volatile === true, cb);
    return this;
  }

  write(data: MessageData, options?: SendOptions | SendCallback, callback?: SendCallback): this {
    return this.send(data, options, callback);
  }

  sendPrepared(message: PreparedMessage): void {
    if (this.#state !== "open") return;
    if (this.#host.packetHook !== null || this.#listens("packetCreate")) {
      const compress = message.options.compress !== false;
      for (const frame of message.frames) this.#created("message", frame, compress);
    }
    this.#enqueue(message, itemSize(message), message.options.volatile === true, undefined);
  }

  close(): void {
    if (this.#state !== "open") return;
    if (log.enabled) log("sid %s: closing (forced close)", this.id);
    this.#beginClose();
  }

  /** Ends the session right away (engine shutdown): no waiting for the next polling GET. */
  terminate(reason: ConnectionCloseReason): void {
    this.#finish(reason);
  }

  // --- sending ---------------------------------------------------------------------------

  /**
   * Whether `event` has a listener: one property read, cheaper than `listenerCount` on the
   * per-recipient path of a broadcast, so unobserved events cost nothing else.
   */
  #listens(event: keyof ConnectionEvents): boolean {
    const events = (this as unknown as { _events?: Record<string, unknown> })._events;
    return events !== undefined && events[event] !== undefined;
  }

  /**
   * The outgoing choke point: every packet queued for the peer passes here, to the engine's
   * packet hook and engine.io's `packetCreate` event. The packet object is made only when one
   * of them is there.
   */
  #created(type: PacketInfo["type"], data: RawData | undefined, compress: boolean): void {
    const hook = this.#host.packetHook;
    const listens = this.#listens("packetCreate");
    if (hook === null && !listens) return;
    const options = { compress };
    const packet: PacketInfo = data === undefined ? { type, options } : { type, data, options };
    if (hook !== null) {
      try {
        hook.outgoing(this, packet);
      } catch (err) {
        this.#host.reportError(err, this);
      }
    }
    if (listens) this.#emit("packetCreate", packet);
  }

  /** The incoming choke point: the engine's packet hook, then engine.io's `packet` event. */
  #received(packet: EnginePacket): void {
    const hook = this.#host.packetHook;
    if (hook !== null) {
      try {
        hook.incoming(this, packet);
      } catch (err) {
        this.#host.reportError(err, this);
      }
    }
    if (this.#listens("packet")) this.#emit("packet", packet);
  }

  /**
   * Every packet out goes through here; on a WebSocket with nothing buffered that is a
   * buffer check and one `writeItem`. The rest (volatile drops, the overflow check, the
   * queue) is out of line, so this per-message function stays small for the JIT.
   */
  #enqueue(
    item: OutgoingItem,
    size: number,
    volatile: boolean,
    callback: SendCallback | undefined,
  ): void {
    const transport = this.#transport;
    const pending = this.#pending;
    const buffered = (pending === null ? 0 : pending.bytes) + transport.bufferedBytes();
    if ((volatile || buffered > 0) && this.#refuses(size, volatile, buffered)) return;
    if (transport.duplex && pending === null) {
      // WebSocket writes go straight through; the transport buffers them. A write callback
      // (for `drain`) costs per frame, so ask for one only if someone listens.
      if (this.#listens("flush")) this.#emit("flush", packetsOf([item]));
      transport.writeItem(
        item,
        this.#listens("drain"),
        callback === undefined ? undefined : () => this.#callBack([callback]),
      );
      return;
    }
    this.#queueItem(item, size, callback);
  }

  /**
   * Whether a packet is not sent: a volatile one while anything is buffered past the limit,
   * a probe holds packets back or the transport cannot take it; any packet that would take
   * the buffer past twice the limit, which also ends the session ("send buffer overflow").
   */
  #refuses(size: number, volatile: boolean, buffered: number): boolean {
    const limit = this.#host.options.maxBufferedBytes;
    if (
      volatile &&
      (buffered >= limit || this.#probe?.probing === true || !this.#transport.writable)
    ) {
      return true;
    }
    if (buffered > 0 && buffered + size > 2 * limit) {
      if (this.#listens("overflow")) this.#emit("overflow", buffered + size);
      this.#finish("send buffer overflow");
      return true;
    }
    return false;
  }

  #queueItem(item: OutgoingItem, size: number, callback: SendCallback | undefined): void {
    const transport = this.#transport;
    const holding = this.#probe?.probing === true;
    let pending = this.#pending;
    if (pending === null) {
      pending = new PendingWrites();
      this.#pending = pending;
    }
    pending.push(item, size, callback);
    if (!this.#has(FLUSH_SCHEDULED) && transport.writable && !holding) {
      // Batch everything sent in this tick into one polling response.
      this.#set(FLUSH_SCHEDULED, true);
      process.nextTick(Session.#scheduledFlush, this);
    }
  }

  static #scheduledFlush<R, I extends HandshakeInfo>(session: Session<R, I>): void {
    session.#set(FLUSH_SCHEDULED, false);
    session.#flush();
  }

  #flush(): void {
    const pending = this.#pending;
    if (this.#state === "closed" || pending === null) return;
    if (this.#probe?.probing === true || !this.#transport.writable) return;
    this.#writePending(pending);
  }

  /** Hands what waits to the transport, with the send callbacks of its packets. */
  #writePending(pending: PendingWrites): void {
    const { items, callbacks } = pending;
    this.#pending = null;
    if (this.#listens("flush")) this.#emit("flush", packetsOf(items));
    if (log.enabled)
      log("sid %s: flushing %d packet(s) to %s", this.id, items.length, this.#transport.name);
    this.#transport.write(items, callbacks === null ? undefined : () => this.#callBack(callbacks));
  }

  /** Runs send callbacks (engine.io passes the transport); a throw is reported, not raised. */
  #callBack(callbacks: readonly SendCallback[]): void {
    const transport = this.#transport;
    for (const callback of callbacks) {
      try {
        callback(transport);
      } catch (err) {
        this.#host.reportError(err, this);
      }
    }
  }

  // --- closing ---------------------------------------------------------------------------

  #beginClose(): void {
    this.#state = "closing";
    this.#abortProbe();
    const transport = this.#transport;
    if (transport.duplex || transport.writable) {
      this.#writeCloseAndFinish();
      return;
    }
    // Polling with no GET waiting: the close packet goes out on the next GET. As engine.io,
    // the heartbeat goes on meanwhile (a peer gone silent ends with "ping timeout"), and
    // after 30 s without a GET the session ends anyway ("forced close").
    this.#deadline = performance.now() + POLLING_CLOSE_TIMEOUT;
    const wheel = this.#host.wheel;
    if (!(wheel.dueIn(this) <= POLLING_CLOSE_TIMEOUT)) wheel.schedule(this, POLLING_CLOSE_TIMEOUT);
  }

  /**
   * A GET came for a polling session that is closing. As engine.io: what was still queued
   * goes first, on its own, and the close packet comes on the GET after it, behind a noop
   * (`6\x1e1`); the session is closed cleanly, never dropped while the client still polls.
   */
  #closingPoll(): void {
    if (this.#pending !== null) {
      this.#writePending(this.#pending);
      return;
    }
    const noop = new PendingWrites();
    noop.push({ type: "noop" }, 1, undefined);
    this.#pending = noop;
    this.#writeCloseAndFinish();
  }

  #writeCloseAndFinish(): void {
    if (this.#transport.duplex) {
      // Closing the channel tells the peer; what is queued goes first.
      this.#flush();
    } else {
      const pending = this.#pending ?? new PendingWrites();
      pending.push({ type: "close" }, 1, undefined);
      this.#writePending(pending);
    }
    this.#finish("forced close");
  }

  #finish(reason: ConnectionCloseReason, error?: Error): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    if (log.enabled)
      log("sid %s: closed (%s)%s", this.id, reason, error ? ` ${error.message}` : "");
    this.#host.wheel.cancel(this);
    this.#abortProbe();
    this.#pending = null;
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
      this.#closingHeartbeat();
      return;
    }
    if (this.#state !== "open") return;
    if (this.protocol === 3) {
      // The v3 peer's ping is overdue (see eio3/heartbeat.ts).
      this.#finish("ping timeout");
      return;
    }
    if (this.#has(AWAITING_PONG)) {
      this.#finish("ping timeout");
      return;
    }
    // A buffer over its limit two heartbeats running means the peer is not keeping up.
    const buffered = this.bufferedBytes;
    const over = buffered > opts.maxBufferedBytes;
    if (over && this.#has(OVER_LIMIT)) {
      this.#finish("send buffer overflow");
      return;
    }
    if (over && this.#listens("overflow")) this.#emit("overflow", buffered);
    this.#set(OVER_LIMIT, over);
    this.#set(AWAITING_PONG, true);
    this.#set(PONG_GRACE_USED, false);
    if (log.enabled) log("sid %s: ping, expecting a pong within %dms", this.id, opts.pingTimeout);
    this.#created("ping", undefined, true);
    this.#enqueue({ type: "ping" }, 1, false, undefined);
    if (this.#state !== "open") return;
    // The pong is due pingTimeout after the ping was due, as engine.io's two timers have it,
    // not after the tick the shared timer fired on (up to one tick later). A ping later than
    // that (a busy event loop) gives the peer its full pingTimeout less one tick.
    const now = performance.now();
    const pingDue = Math.max(this.#deadline, now - this.#host.wheel.tickMs);
    this.#deadline = pingDue + opts.pingTimeout;
    this.#host.wheel.schedule(this, this.#deadline - now);
  }

  /** The next ping is due in `ms` (kept in `#deadline` until it is sent). */
  #schedulePing(ms: number): void {
    this.#deadline = performance.now() + ms;
    this.#host.wheel.schedule(this, ms);
  }

  #expectPongWithin(ms: number): void {
    this.#deadline = performance.now() + ms;
    this.#host.wheel.schedule(this, ms);
  }

  /**
   * @internal A request names this session: if its pong is overdue, it ends now ("ping
   * timeout") and the request is refused as for an unknown session, as engine.io's own timer
   * would have it; the shared timer rounds deadlines up to its tick and may not have fired.
   */
  _expireIfOverdue(): boolean {
    if (this.#state !== "open" || !this.#has(AWAITING_PONG) || this.protocol !== 4) return false;
    if (performance.now() < this.#deadline) return false;
    if (log.enabled) log("sid %s: pong overdue at a request", this.id);
    this.#finish("ping timeout");
    return true;
  }

  /** A closing polling session's deadline: its ping timeout, or the end of the wait. */
  #closingHeartbeat(): void {
    const now = performance.now();
    // The wheel never fires early; the millisecond absorbs float rounding.
    if (now + 1 >= this.#deadline) {
      this.#finish("forced close");
    } else if (this.#has(AWAITING_PONG)) {
      this.#finish("ping timeout");
    } else {
      // The ping itself is not sent (engine.io sends nothing while closing); its timeout runs.
      this.#set(AWAITING_PONG, true);
      const wait = Math.min(this.#host.options.pingTimeout, this.#deadline - now);
      this.#host.wheel.schedule(this, wait);
    }
  }

  // --- transport events (TransportSink) --------------------------------------------------

  /** Every packet in: a `message` on the open session's transport is the short path. */
  onTransportPacket(transport: Transport, packet: EnginePacket): void {
    if (transport !== this.#transport || this.#state !== "open") {
      // A probe's packets are the upgrade dance; anything else is late or stray.
      const probe = this.#probe;
      if (probe !== null && transport === probe.transport) this.#onProbePacket(probe, packet);
      return;
    }
    if (log.enabled) log("sid %s: received %s", this.id, packet.type);
    if (this.#host.packetHook !== null || this.#listens("packet")) {
      this.#received(packet);
      if (this.#state !== "open") return;
    }
    const type = packet.type;
    if ((this.#flags & (AWAITING_PONG | PONG_GRACE_USED)) === AWAITING_PONG && type !== "pong") {
      // Like engine.io: traffic while a pong is due proves liveness once per ping.
      this.#set(PONG_GRACE_USED, true);
      this.#expectPongWithin(this.#host.options.pingTimeout);
    }
    if (type !== "message") {
      this.#onControlPacket(packet);
      return;
    }
    // "4" alone is an empty message: delivered as "", not dropped.
    const raw = packet.data;
    const data = raw === undefined ? "" : typeof raw === "string" ? raw : asBuffer(raw);
    const owner = this._owner;
    if (owner !== null) {
      try {
        owner._onData(data);
      } catch (err) {
        this.#host.reportError(err, this);
      }
    }
    // Only when someone listens: no EventEmitter call (and its argument array) per message.
    if (this.#listens("message")) this.#emit("message", data);
  }

  #onControlPacket(packet: EnginePacket): void {
    switch (packet.type) {
      case "pong":
        if (!this.#has(AWAITING_PONG)) {
          if (this.protocol === 3) this.#finish("transport error", invalidHeartbeat());
          break;
        }
        this.#set(AWAITING_PONG, false);
        this.#schedulePing(this.#host.options.pingInterval);
        this.#emit("heartbeat");
        break;
      case "ping":
        if (this.protocol !== 3) {
          this.#finish("transport error", invalidHeartbeat());
          break;
        }
        // v3: the peer pings; its ping is our proof of life and gets a pong.
        this.#host.wheel.schedule(this, v3Deadline(this.#host.options));
        this.#created("pong", undefined, true);
        this.#enqueue({ type: "pong" }, 1, false, undefined);
        this.#emit("heartbeat");
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
      if (log.enabled) log("sid %s: upgrade failed (%s)", this.id, error.message);
      this.#abortProbe();
      return;
    }
    if (transport === this.#transport) this.#finish(reason, error);
  }

  onTransportClose(transport: Transport): void {
    if (this.#probe !== null && transport === this.#probe.transport) {
      if (log.enabled) log("sid %s: upgrade failed (probe closed)", this.id);
      this.#abortProbe();
      return;
    }
    if (transport === this.#transport) this.#finish("transport close");
  }

  onTransportReady(transport: Transport): void {
    if (transport !== this.#transport) return;
    if (this.#state === "closing") {
      this.#closingPoll();
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

  /**
   * A WebSocket arrived for this session: run the probe dance on it, or close it when this
   * session cannot upgrade (already upgraded or upgrading, closing, upgrades off), as
   * engine.io does once the WebSocket handshake is complete.
   */
  startProbe(transport: Transport): void {
    transport.bind(this);
    const refusal = upgradeRefusal(
      {
        state: this.#state,
        upgraded: this.#has(UPGRADED),
        probing: this.#probe !== null,
        current: this.#transport,
        allowUpgrades: this.#host.options.allowUpgrades,
      },
      transport,
    );
    if (refusal !== null) {
      if (log.enabled) log("sid %s: upgrade refused (%s), closing the WebSocket", this.id, refusal);
      transport.close();
      return;
    }
    if (log.enabled) log("sid %s: probing %s", this.id, transport.name);
    this.#probe = new UpgradeProbe(transport, this.#host.options.upgradeTimeout, () => {
      if (log.enabled) log("sid %s: upgrade timed out", this.id);
      this.#abortProbe();
    });
  }

  #abortProbe(): void {
    const probe = this.#probe;
    if (probe === null) return;
    this.#probe = null;
    probe.abort();
    // Packets held back during the probe go out on polling again.
    if (this.#state === "open") this.#flush();
  }

  #onProbePacket(probe: UpgradeProbe, packet: EnginePacket): void {
    const step = probe.receive(packet, this.#state === "open");
    if (step === "probing") {
      this.#emit("upgrading", probe.transport);
      // Release the old transport's waiting GET, so the client can pause polling.
      if (this.#transport.writable) this.#transport.write([{ type: "noop" }]);
    } else if (step === "upgrade") {
      this.#probe = null;
      const previous = this.#transport;
      this.#transport = probe.transport;
      this.#set(UPGRADED, true);
      previous.discard();
      if (log.enabled) log("sid %s: upgraded to %s", this.id, probe.transport.name);
      this.#emit("upgrade", probe.transport);
      // Everything held back, in order, now goes out on the WebSocket.
      this.#flush();
    } else {
      this.#abortProbe();
    }
  }
}
