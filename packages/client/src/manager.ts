import {
  type DefaultEventsMap,
  type EventsMap,
  encodePacket,
  type Packet,
  PacketDecoder,
  ProtocolError,
} from "@parley/protocol";
import { Backoff } from "./backoff.js";
import { convertBlobs, hasBlob } from "./blob.js";
import { Emitter, sub } from "./emitter.js";
import type { EngineCloseReason } from "./engine/options.js";
import type { Platform } from "./engine/platform.js";
import { EngineSocket } from "./engine/socket.js";
import type { DisconnectReason, ManagerOptions, SocketOptions } from "./options.js";
import type { PacketSource, ParserSupport } from "./parser.js";
import { Socket } from "./socket.js";
import type { TimerHandle, Timers } from "./timers.js";
import { parseUri } from "./url.js";

/** A Socket.IO packet to send, with the emit's send options (`compress`), if any. */
export type OutgoingPacket = Packet & { options?: { compress?: boolean } };

export interface ManagerEvents {
  open: () => void;
  error: (err: Error) => void;
  ping: () => void;
  packet: (packet: Packet) => void;
  close: (reason: DisconnectReason, description?: unknown) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (err: Error) => void;
  reconnect: (attempt: number) => void;
}

/**
 * One Engine.IO connection to a server, shared by the Sockets of every namespace on it
 * (multiplexing). Owns reconnection: exponential backoff with jitter, `reconnect_*` events,
 * and reopening every active Socket's namespace after a reconnect.
 *
 * The option accessors (`reconnection()`, `timeout()`, …) read with no argument and set with
 * one, as in socket.io-client, so code written for it works unchanged.
 */
export class Manager extends Emitter<ManagerEvents> {
  engine: EngineSocket | undefined;
  readonly uri: string;
  readonly opts: ManagerOptions;
  readonly backoff: Backoff;
  /** @internal */ _readyState: "opening" | "open" | "closed" = "closed";
  /** @internal */ _reconnecting = false;
  /** @internal The timers of this connection (`useNativeTimers`, Node's `autoUnref`). */ _timers: Timers;
  readonly #platform: Platform;
  readonly #nsps = new Map<string, Socket>();
  #skipReconnect = false;
  #subs: (() => void)[] = [];
  #timer: TimerHandle | undefined;
  #decoder: PacketSource;
  readonly #encode: (packet: Packet) => (string | Uint8Array)[];
  #sendChain: Promise<void> | undefined;

  constructor(
    uri: string | Partial<ManagerOptions> | undefined,
    opts: Partial<ManagerOptions> | undefined,
    platform: Platform,
  ) {
    super();
    if (typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    this.opts = { path: "/socket.io/", ...opts };
    this.uri = parseUri(uri).origin;
    this.#platform = platform;
    this._timers = platform.timers(this.opts);
    this.backoff = new Backoff({
      min: this.opts.reconnectionDelay ?? 1000,
      max: this.opts.reconnectionDelayMax ?? 5000,
      jitter: this.opts.randomizationFactor ?? 0.5,
    });
    const { parser } = this.opts;
    if (parser && !platform.parser) {
      throw new Error("parser: use socket.io.msgpack.min.js or the npm package");
    }
    this.#encode = parser ? (platform.parser as ParserSupport).encoder(parser) : encodePacket;
    this.#decoder = this.#newDecoder();
    if (this.opts.autoConnect !== false) this.open();
  }

  reconnection(): boolean;
  reconnection(value: boolean): this;
  reconnection(value?: boolean): boolean | this {
    if (value === undefined) return this.opts.reconnection !== false;
    this.opts.reconnection = value;
    if (!value) this.#skipReconnect = true;
    return this;
  }

  reconnectionAttempts(): number;
  reconnectionAttempts(value: number): this;
  reconnectionAttempts(value?: number): number | this {
    if (value === undefined) return this.opts.reconnectionAttempts ?? Infinity;
    this.opts.reconnectionAttempts = value;
    return this;
  }

  reconnectionDelay(): number;
  reconnectionDelay(value: number): this;
  reconnectionDelay(value?: number): number | this {
    if (value === undefined) return this.backoff.opts.min;
    this.opts.reconnectionDelay = this.backoff.opts.min = value;
    return this;
  }

  reconnectionDelayMax(): number;
  reconnectionDelayMax(value: number): this;
  reconnectionDelayMax(value?: number): number | this {
    if (value === undefined) return this.backoff.opts.max;
    this.opts.reconnectionDelayMax = this.backoff.opts.max = value;
    return this;
  }

  randomizationFactor(): number;
  randomizationFactor(value: number): this;
  randomizationFactor(value?: number): number | this {
    if (value === undefined) return this.backoff.opts.jitter;
    this.opts.randomizationFactor = this.backoff.opts.jitter = value;
    return this;
  }

  timeout(): number | false;
  timeout(value: number | false): this;
  timeout(value?: number | false): number | false | this {
    if (value === undefined) return this.opts.timeout ?? 20000;
    this.opts.timeout = value;
    return this;
  }

  /** @internal */
  get _autoConnect(): boolean {
    return this.opts.autoConnect !== false;
  }

  /** Opens the connection (no-op while open or opening). `fn` gets an error if it fails. */
  open(fn?: (err?: Error) => void): this {
    if (this._readyState !== "closed") return this;
    const engine = new EngineSocket(this.uri, this.opts, this.#platform);
    this.engine = engine;
    this._readyState = "opening";
    this.#skipReconnect = false;
    const done = (err?: Error) => {
      // Drops the open/error listeners and the timeout below.
      this.#cleanup();
      if (!err) {
        this.#onOpen();
        fn?.();
        return;
      }
      this._readyState = "closed";
      this._emit("error", err);
      if (fn) fn(err);
      else if (!this._reconnecting && this.reconnection() && this.backoff.attempts === 0) {
        // The first connection failed: retry as if it had been lost.
        this.#reconnect();
      }
    };
    this.#subs.push(
      sub(engine, "open", () => done()),
      sub(engine, "error", (err: Error) => done(err)),
    );
    const ms = this.timeout();
    if (ms !== false) {
      const timer = this._timers.set(() => {
        done(new Error("timeout"));
        engine.close();
      }, ms);
      this.#subs.push(() => this._timers.clear(timer));
    }
    engine.open();
    return this;
  }

  connect(fn?: (err?: Error) => void): this {
    return this.open(fn);
  }

  /** The Socket for namespace `nsp` on this connection (created once, then reused). */
  socket<L extends EventsMap = DefaultEventsMap, E extends EventsMap = L>(
    nsp: string,
    opts?: SocketOptions,
  ): Socket<L, E> {
    let socket = this.#nsps.get(nsp);
    if (!socket) {
      socket = new Socket(this, nsp, opts ?? {});
      this.#nsps.set(nsp, socket);
    } else if (this._autoConnect && !socket.active) {
      socket.connect();
    }
    return socket as unknown as Socket<L, E>;
  }

  /** @internal Whether a Socket for `nsp` already exists. */
  _has(nsp: string): boolean {
    return this.#nsps.has(nsp);
  }

  /** @internal Called by a Socket that stopped; closes the connection when none is active. */
  _destroy(_socket: Socket): void {
    for (const socket of this.#nsps.values()) if (socket.active) return;
    this._close();
  }

  /** @internal Encodes and writes one Socket.IO packet, keeping order across Blob reads. */
  _packet(packet: OutgoingPacket): void {
    const engine = this.engine;
    if (!engine) return;
    const write = (p: OutgoingPacket) => {
      if (this.engine !== engine) return;
      for (const frame of this.#encode(p)) engine.write(frame, p.options);
    };
    if (this.#sendChain === undefined && !hasBlob(packet.data)) {
      write(packet);
      return;
    }
    // A Blob is read asynchronously; later packets wait behind it so order is kept.
    const chain: Promise<void> = (this.#sendChain ?? Promise.resolve())
      .then(() => convertBlobs(packet.data))
      .then(
        (data) => write({ ...packet, data }),
        (err: unknown) => this._emit("error", err instanceof Error ? err : new Error(String(err))),
      )
      .then(() => {
        if (this.#sendChain === chain) this.#sendChain = undefined;
      });
    this.#sendChain = chain;
  }

  /** @internal Stops the connection for good (until `open()` is called again). */
  _close(): void {
    this.#skipReconnect = true;
    this._reconnecting = false;
    this._timers.clear(this.#timer);
    this.#onClose("forced close");
    this.engine?.close();
  }

  disconnect(): void {
    this._close();
  }

  close(): void {
    this._close();
  }

  #newDecoder(): PacketSource {
    const { parser, maxPayload } = this.opts;
    return parser
      ? (this.#platform.parser as ParserSupport).decoder(parser, (p) => this._emit("packet", p))
      : new PacketDecoder(maxPayload === undefined ? {} : { maxPacketLength: maxPayload });
  }

  #onOpen(): void {
    const engine = this.engine as EngineSocket;
    this.#cleanup();
    this._readyState = "open";
    this.#decoder = this.#newDecoder();
    this.#subs.push(
      sub(engine, "ping", () => this._emit("ping")),
      sub(engine, "data", (data: string | ArrayBuffer | Uint8Array) => this.#onData(data)),
      sub(engine, "error", (err: Error) => this._emit("error", err)),
      sub(engine, "close", (reason: EngineCloseReason, description?: unknown) =>
        this.#onClose(reason, description),
      ),
    );
    this._emit("open");
  }

  #onData(data: string | ArrayBuffer | Uint8Array): void {
    const result = this.#decoder.add(data);
    if (result instanceof ProtocolError) {
      this.engine?.destroy("parse error", result);
    } else if (result) {
      this._emit("packet", result);
    }
  }

  #cleanup(): void {
    for (const off of this.#subs) off();
    this.#subs = [];
    this.#decoder.reset();
  }

  #onClose(reason: DisconnectReason, description?: unknown): void {
    const wasOpen = this._readyState === "open";
    this.#cleanup();
    this.backoff.reset();
    this._readyState = "closed";
    this.#sendChain = undefined;
    if (wasOpen) this._emit("close", reason, description);
    if (this.reconnection() && !this.#skipReconnect) this.#reconnect();
  }

  #reconnect(): void {
    if (this._reconnecting || this.#skipReconnect) return;
    if (this.backoff.attempts >= this.reconnectionAttempts()) {
      this.backoff.reset();
      this._reconnecting = false;
      this._emit("reconnect_failed");
      return;
    }
    const delay = this.backoff.duration();
    this._reconnecting = true;
    this.#timer = this._timers.set(() => {
      if (this.#skipReconnect) return;
      this._emit("reconnect_attempt", this.backoff.attempts);
      // A listener may have closed the manager.
      if (this.#skipReconnect) return;
      this.open((err) => {
        if (err) {
          this._reconnecting = false;
          this.#reconnect();
          this._emit("reconnect_error", err);
        } else {
          const attempts = this.backoff.attempts;
          this._reconnecting = false;
          this.backoff.reset();
          this._emit("reconnect", attempts);
        }
      });
    }, delay);
  }
}
