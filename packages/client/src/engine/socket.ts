import { ENGINE_PROTOCOL, type EnginePacket, type RawData } from "@parley/protocol";
import { Emitter } from "../emitter.js";
import type { TimerHandle, Timers } from "../timers.js";
import {
  type BinaryType,
  CLOSE_TIMEOUT,
  DEFAULT_MAX_PAYLOAD,
  type EngineCloseReason,
  type EngineOptions,
  TransportError,
  type TransportName,
} from "./options.js";
import type { Platform } from "./platform.js";
import {
  type OutgoingPacket,
  packetSize,
  type Transport,
  type TransportHandler,
} from "./transport.js";
import { PollingTransport } from "./transports/polling.js";
import { WebSocketTransport } from "./transports/websocket.js";

export interface Handshake {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** engine.io-client's events, with the same names and arguments. */
export interface EngineEvents {
  open: () => void;
  handshake: (data: Handshake) => void;
  data: (data: string | ArrayBuffer | Uint8Array) => void;
  /** The same as `data`. */
  message: (data: string | ArrayBuffer | Uint8Array) => void;
  /** Every packet received. */
  packet: (packet: EnginePacket) => void;
  /** Every packet queued for sending (before it is written), with its send options. */
  packetCreate: (packet: OutgoingPacket) => void;
  /** Any packet received: the server is alive. */
  heartbeat: () => void;
  ping: () => void;
  /** The answer to a ping has been queued. */
  pong: () => void;
  /** Packets were handed to the transport. */
  flush: () => void;
  /** Everything queued has been sent. */
  drain: () => void;
  upgrading: (transport: Transport) => void;
  upgrade: (transport: Transport) => void;
  upgradeError: (err: Error) => void;
  error: (err: Error) => void;
  close: (reason: EngineCloseReason, description?: unknown) => void;
}

function toError(reason: string, description: unknown): Error {
  return description instanceof Error ? description : new TransportError(reason, description);
}

// rememberUpgrade: whether the last WebSocket of this page/process worked.
let websocketWorked = false;

/** The longest delay `setTimeout` honours; a longer one fires after 1 ms. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

function isDelay(value: unknown): value is number {
  return typeof value === "number" && value > 0 && value <= MAX_TIMER_DELAY;
}

function parseHandshake(data: RawData | undefined): Handshake | undefined {
  if (typeof data !== "string") return undefined;
  let h: Partial<Handshake>;
  try {
    h = JSON.parse(data);
  } catch {
    return undefined;
  }
  const ok =
    typeof h === "object" &&
    h !== null &&
    typeof h.sid === "string" &&
    h.sid !== "" &&
    isDelay(h.pingInterval) &&
    isDelay(h.pingTimeout) &&
    // The liveness timer waits for both: past what a timer can hold it would fire at once.
    (h.pingInterval as number) + (h.pingTimeout as number) <= MAX_TIMER_DELAY;
  if (!ok) return undefined;
  return {
    sid: h.sid as string,
    // Anything but a list offers no upgrade; anything but a name in it is dropped.
    upgrades: Array.isArray(h.upgrades)
      ? h.upgrades.filter((u): u is string => typeof u === "string")
      : [],
    pingInterval: h.pingInterval as number,
    pingTimeout: h.pingTimeout as number,
    maxPayload: typeof h.maxPayload === "number" && h.maxPayload > 0 ? h.maxPayload : 1e6,
  };
}

/**
 * An Engine.IO v4 client connection: opens the first transport that works (falling back along
 * `transports`), answers the server's heartbeat and declares the connection dead after
 * `pingInterval + pingTimeout` of silence, buffers writes, and upgrades polling to WebSocket.
 */
export class EngineSocket extends Emitter<EngineEvents> {
  id: string | undefined;
  transport: Transport | undefined;
  readyState: "opening" | "open" | "closing" | "closed" = "closed";
  upgrading = false;
  /**
   * @internal When the heartbeat deadline passes, in ms since the epoch (0: none yet).
   * engine.io-client's name: its tests set it to simulate a timer that did not fire.
   */
  _pingTimeoutTime = 0;
  /** How received binary is delivered; may be changed at any time (Node: "arraybuffer"). */
  binaryType: BinaryType;
  readonly opts: EngineOptions;
  readonly #platform: Platform;
  readonly #base: string;
  #candidates: TransportName[] = [];
  /** Why the first transport tried failed to open. */
  #failure: unknown;
  /** Whether WebSocket is among the usable transports: polling may upgrade to it. */
  #upgradable = false;
  #buffer: OutgoingPacket[] = [];
  #handshake: Handshake | undefined;
  readonly #timers: Timers;
  #pingTimer: TimerHandle | undefined;
  #closeTimer: TimerHandle | undefined;
  #probe: Transport | undefined;
  #unlisten: (() => void) | undefined;

  /** `uri` is the server's origin (any path in it is ignored). */
  constructor(uri: string, opts: EngineOptions, platform: Platform) {
    super();
    this.opts = opts;
    this.#platform = platform;
    this.binaryType = platform.binaryType;
    this.#timers = platform.timers(opts);
    const url = new URL(uri);
    let path = opts.path ?? "/socket.io/";
    if (!path.endsWith("/")) path += "/";
    // URLSearchParams turns a record's numbers and booleans into strings itself.
    const query = new URLSearchParams(opts.query as string | Record<string, string> | undefined);
    query.set("EIO", String(ENGINE_PROTOCOL));
    this.#base = `${url.protocol.replace(/^ws/, "http")}//${url.host}${path}?${query}`;
  }

  open(): void {
    if (this.readyState !== "closed") return;
    const hasWs = this.#platform.WebSocket() !== undefined;
    let list = (this.opts.transports ?? ["polling", "websocket"]).filter(
      (t) => t === "polling" || (t === "websocket" && hasWs),
    );
    if (this.opts.rememberUpgrade && websocketWorked && list.includes("websocket")) {
      list = ["websocket", ...list.filter((t) => t !== "websocket")];
    }
    this.readyState = "opening";
    this.#candidates = list;
    this.#upgradable = list.includes("websocket");
    // Pages and workers have both event methods; Node has neither.
    if (typeof addEventListener === "function") {
      const offline = () => this.#onClose("transport close", "network connection lost");
      const unload = () => this.close();
      addEventListener("offline", offline);
      if (this.opts.closeOnBeforeunload) addEventListener("beforeunload", unload);
      this.#unlisten = () => {
        removeEventListener("offline", offline);
        removeEventListener("beforeunload", unload);
      };
    }
    // Let the caller attach listeners before the first failure can be reported.
    this.#failure = undefined;
    queueMicrotask(() => this.#tryNext());
  }

  /**
   * Queues a `message` packet; bytes go as a binary frame (WebSocket) or base64 (polling).
   * `compress: false` asks for no permessage-deflate (honoured by `ws` in Node).
   */
  write(data: string | Uint8Array, options?: { compress?: boolean }): void {
    this.#send({ type: "message", data }, options?.compress);
  }

  /**
   * Closes after whatever is buffered has been sent, as socket.io-client does, but waits at
   * most CLOSE_TIMEOUT for it: a server that never answers the request in flight (or the GET
   * an upgrade waits for) would otherwise hold the connection open without a bound.
   */
  close(): void {
    if (this.readyState === "opening") {
      this.#onClose("forced close");
    } else if (this.readyState === "open") {
      this.readyState = "closing";
      this.#closeTimer = this.#timers.set(() => this.#onClose("forced close"), CLOSE_TIMEOUT);
      this.#closeWhenDrained();
    }
  }

  /** Ends the connection now, with `reason` (used for Socket.IO-level parse errors). */
  destroy(reason: EngineCloseReason, description?: unknown): void {
    this.#onClose(reason, description);
  }

  #closeWhenDrained(): void {
    if (this.readyState !== "closing") return;
    if (this.#buffer.length === 0 && this.transport?.writable && !this.upgrading) {
      this.#onClose("forced close");
    }
  }

  #url(name: TransportName, sid: string | undefined): string {
    return `${this.#base}&transport=${name}${sid === undefined ? "" : `&sid=${encodeURIComponent(sid)}`}`;
  }

  #create(name: TransportName, sid: string | undefined): Transport {
    const init = {
      url: this.#url(name, sid),
      opts: this.opts,
      platform: this.#platform,
      maxPayload: this.opts.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    };
    return name === "websocket" ? new WebSocketTransport(init) : new PollingTransport(init);
  }

  /**
   * Opens the next candidate transport, or fails the connection when none is left, with the
   * first transport's failure: it says why the server could not be reached (a 404 on a wrong
   * path, a 403 from CORS), where a fallback's own failure would hide it.
   */
  #tryNext(error?: unknown): void {
    if (this.readyState !== "opening") return;
    this.#failure ??= error;
    const name = this.#candidates.shift();
    if (name === undefined) {
      this.#onClose(
        "transport error",
        this.#failure ?? new TransportError("no transport available"),
      );
      return;
    }
    const transport = this.#create(name, undefined);
    this.transport = transport;
    transport.handler = this.#handlerFor(transport);
    transport.open();
  }

  #handlerFor(transport: Transport): TransportHandler {
    return {
      onOpen: () => {},
      onPacket: (packet) => this.#onPacket(packet),
      onDrain: () => {
        this.#flush();
        if (this.#buffer.length === 0) this._emit("drain");
        this.#closeWhenDrained();
      },
      onClose: (reason, description) => {
        if (this.readyState === "opening" && this.transport === transport) {
          this.#tryNext(description);
          return;
        }
        if (reason !== "transport close" && this.readyState !== "opening") {
          this._emit("error", toError(reason, description));
        }
        this.#onClose(reason, description);
      },
    };
  }

  #onPacket(packet: EnginePacket): void {
    if (this.readyState === "closed") return;
    this._emit("packet", packet);
    this._emit("heartbeat");
    switch (packet.type) {
      case "open": {
        const handshake = parseHandshake(packet.data);
        if (!handshake || this.readyState !== "opening") {
          this.#onClose("parse error", new Error("invalid handshake"));
          return;
        }
        this.#onHandshake(handshake);
        return;
      }
      case "ping":
        this.#resetPingTimer();
        this.#send({ type: "pong" });
        this._emit("ping");
        this._emit("pong");
        return;
      case "message":
        if (packet.data !== undefined && this.readyState !== "opening") {
          const { data } = packet;
          const value =
            typeof data === "string" ? data : this.#platform.binary(data, this.binaryType);
          this._emit("data", value);
          this._emit("message", value);
        }
        return;
      // pong, noop, and stray upgrade packets carry nothing for us
    }
  }

  #onHandshake(handshake: Handshake): void {
    this.#handshake = handshake;
    this.id = handshake.sid;
    if (this.transport) this.transport.sid = handshake.sid;
    this.readyState = "open";
    if (this.transport?.name === "websocket") websocketWorked = true;
    this._emit("handshake", handshake);
    this.#resetPingTimer();
    this._emit("open");
    if (this.readyState !== "open") return;
    this.#flush();
    if (
      this.transport?.name === "polling" &&
      this.opts.upgrade !== false &&
      handshake.upgrades.includes("websocket") &&
      this.#upgradable
    ) {
      this.#startProbe(handshake.sid);
    }
  }

  /** Upgrade dance: `2probe` → `3probe`, pause polling, `5`, then switch. */
  #startProbe(sid: string): void {
    const probe = this.#create("websocket", sid);
    this.#probe = probe;
    const fail = (err: unknown) => {
      if (this.#probe !== probe) return;
      this.#probe = undefined;
      this.upgrading = false;
      probe.close();
      this._emit(
        "upgradeError",
        err instanceof Error ? err : new TransportError("probe error", err),
      );
      this.#flush();
      this.#closeWhenDrained();
    };
    probe.handler = {
      onOpen: () => probe.send([{ type: "ping", data: "probe" }]),
      onDrain: () => {},
      onClose: (_reason, description) => fail(description),
      onPacket: (packet) => {
        if (packet.type !== "pong" || packet.data !== "probe" || this.upgrading) {
          fail(new TransportError("probe error", packet));
          return;
        }
        this.upgrading = true;
        this._emit("upgrading", probe);
        this.transport?.pause(() => {
          if (this.#probe !== probe || this.readyState === "closed") return;
          this.#probe = undefined;
          const old = this.transport;
          probe.handler = this.#handlerFor(probe);
          probe.send([{ type: "upgrade" }]);
          this.transport = probe;
          old?.close();
          websocketWorked = true;
          this.upgrading = false;
          this._emit("upgrade", probe);
          this.#flush();
          this.#closeWhenDrained();
        });
      },
    };
    probe.open();
  }

  #resetPingTimer(): void {
    this.#timers.clear(this.#pingTimer);
    const h = this.#handshake;
    if (!h) return;
    const ms = h.pingInterval + h.pingTimeout;
    this._pingTimeoutTime = Date.now() + ms;
    this.#pingTimer = this.#timers.set(() => this.#onClose("ping timeout"), ms);
  }

  /**
   * @internal Whether the heartbeat deadline has passed though its timer has not fired: a
   * throttled background tab, a machine waking from sleep. The connection is then dead, and
   * is closed ("ping timeout") after the caller's turn, so an emit is buffered for the next
   * connection instead of written into this one, as socket.io-client does.
   */
  _hasPingExpired(): boolean {
    const expired = this._pingTimeoutTime > 0 && Date.now() > this._pingTimeoutTime;
    if (expired) queueMicrotask(() => this.#onClose("ping timeout"));
    return expired;
  }

  #send(packet: EnginePacket, compress?: boolean): void {
    if (this.readyState !== "opening" && this.readyState !== "open") return;
    const out = packet as OutgoingPacket;
    out.options = { compress: compress !== false };
    this._emit("packetCreate", out);
    this.#buffer.push(out);
    this.#flush();
  }

  #flush(): void {
    const t = this.transport;
    if (
      this.readyState === "closed" ||
      this.readyState === "opening" ||
      this.upgrading ||
      !t?.writable ||
      this.#buffer.length === 0
    )
      return;
    let count = this.#buffer.length;
    if (t.name === "polling" && this.#handshake) {
      // Keep each POST body within what the server said it accepts.
      let size = 0;
      for (count = 0; count < this.#buffer.length; count++) {
        size += packetSize(this.#buffer[count] as OutgoingPacket) + 1;
        if (count > 0 && size > this.#handshake.maxPayload) break;
      }
    }
    t.send(this.#buffer.splice(0, count));
    this._emit("flush");
  }

  #onClose(reason: EngineCloseReason, description?: unknown): void {
    if (this.readyState === "closed") return;
    // A connection that fails before its handshake completes reports why.
    if (this.readyState === "opening" && reason !== "forced close") {
      this._emit("error", toError(reason, description));
    }
    this.#timers.clear(this.#pingTimer);
    this.#timers.clear(this.#closeTimer);
    this._pingTimeoutTime = 0;
    this.#unlisten?.();
    this.#unlisten = undefined;
    this.transport?.close();
    this.#probe?.close();
    this.#probe = undefined;
    this.readyState = "closed";
    this.upgrading = false;
    this.id = undefined;
    this.#buffer = [];
    this._emit("close", reason, description);
  }
}
