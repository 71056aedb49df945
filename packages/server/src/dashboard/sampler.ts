import type { ConnectionCloseReason, EngineConnection, PacketInfo } from "../engine/contract.js";
import { leanEvents } from "../engine/lean-events.js";
import type { AnyServer } from "./types.js";

/** One point of the dashboard's history: gauges as they were, counters since start. */
export interface Sample {
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly sockets: number;
  readonly clients: number;
  readonly rooms: number;
  readonly connections: number;
  readonly disconnections: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/**
 * What the dashboard charts: counters fed by the engine's `connection` event and each
 * connection's `packet` / `packetCreate` / `close` events (shared listener functions, no
 * per-connection state), and a bounded ring of samples taken on one unref'd timer. Exists
 * only while a dashboard is attached.
 */
export class Sampler {
  readonly #io: AnyServer;
  readonly #capacity: number;
  readonly #samples: Sample[] = [];
  readonly #reasons = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #connections = 0;
  #disconnections = 0;
  #packetsIn = 0;
  #packetsOut = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  readonly #onConnection = (conn: EngineConnection) => this.#watch(conn);
  readonly #onPacket = (packet: PacketInfo) => {
    if (packet.type !== "message") return;
    this.#packetsIn++;
    this.#bytesIn += bytes(packet.data);
  };
  readonly #onPacketCreate = (packet: PacketInfo) => {
    if (packet.type !== "message") return;
    this.#packetsOut++;
    this.#bytesOut += bytes(packet.data);
  };
  readonly #onClose = (reason: ConnectionCloseReason) => {
    this.#disconnections++;
    this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + 1);
  };

  constructor(io: AnyServer, intervalMs: number, capacity: number) {
    this.#io = io;
    this.#capacity = capacity;
    io.engine.on("connection", this.#onConnection);
    for (const conn of io.engine.clients.values()) this.#listen(conn, true);
    this.#take();
    this.#timer = setInterval(() => this.#take(), intervalMs);
    this.#timer.unref();
  }

  get samples(): readonly Sample[] {
    return this.#samples;
  }

  /** Engine.IO close reasons since the dashboard started. */
  get closeReasons(): Record<string, number> {
    return Object.fromEntries(this.#reasons);
  }

  /** The current values, as a sample taken now (not kept). */
  now(): Sample {
    const io = this.#io;
    let sockets = 0;
    let rooms = 0;
    for (const nsp of io._nsps.values()) {
      sockets += nsp.sockets.size;
      rooms += nsp.adapter.rooms.size;
    }
    return {
      t: Date.now(),
      sockets,
      clients: io.engine.clientsCount,
      rooms,
      connections: this.#connections,
      disconnections: this.#disconnections,
      packetsIn: this.#packetsIn,
      packetsOut: this.#packetsOut,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
    };
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#io.engine.off("connection", this.#onConnection);
    for (const conn of this.#io.engine.clients.values()) this.#listen(conn, false);
  }

  #take(): void {
    this.#samples.push(this.now());
    if (this.#samples.length > this.#capacity) this.#samples.shift();
  }

  #watch(conn: EngineConnection): void {
    this.#connections++;
    this.#listen(conn, true);
  }

  #listen(conn: EngineConnection, on: boolean): void {
    if (on) {
      // A fast-mode table rather than the dictionary Node makes for a session without one.
      leanEvents(conn);
      conn.on("packet", this.#onPacket);
      conn.on("packetCreate", this.#onPacketCreate);
      conn.once("close", this.#onClose);
    } else {
      conn.off("packet", this.#onPacket);
      conn.off("packetCreate", this.#onPacketCreate);
      conn.off("close", this.#onClose);
    }
  }
}

function bytes(data: string | Uint8Array | undefined): number {
  if (data === undefined) return 0;
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}
