import type { ConnectionCloseReason, EngineConnection, PacketInfo } from "../engine/contract.js";
import { leanEvents } from "../engine/lean-events.js";
import type { MetricSet } from "./metric-set.js";
import {
  ACK,
  BINARY_ACK,
  BINARY_EVENT,
  CONNECT,
  EVENT,
  frameBytes,
  readHeader,
} from "./wire-header.js";

/** Acks awaited per connection and direction; past it the oldest is forgotten. */
const MAX_TIMED_ACKS = 1024;

/** Namespace label of frames no header names (a custom parser's binary packets). */
export const UNKNOWN_NAMESPACE = "(unknown)";

/**
 * Per-connection state, made only for a connection that sends or gets an ack or a binary
 * packet: most connections never have one.
 */
interface ConnectionState {
  /** Ack ids the server emitted, by `nsp#id` → `performance.now()` of the emit. */
  serverAcks?: Map<string, number>;
  /** Ack ids the client emitted and the server has not answered yet. */
  clientAcks?: Map<string, number>;
  /** Namespace of the binary packet whose attachments are arriving / leaving. */
  inNsp?: string;
  outNsp?: string;
}

/**
 * Counts what one engine connection sends and receives, from engine.io's `packet` and
 * `packetCreate` events (emitted only while someone listens, so they cost nothing when
 * metrics are off), its `overflow` event and its close. The listener functions are made once
 * per `attachMetrics` and shared by every connection (`this` is the connection): a
 * connection costs its listener entries, not closures.
 */
export class ConnectionProbe {
  readonly #metrics: MetricSet;
  readonly #label: (nsp: string) => string;
  readonly #state = new WeakMap<EngineConnection, ConnectionState>();
  readonly #listeners: {
    packet: (this: EngineConnection, packet: PacketInfo) => void;
    packetCreate: (this: EngineConnection, packet: PacketInfo) => void;
    overflow: () => void;
    close: (this: EngineConnection, reason: ConnectionCloseReason) => void;
  };

  constructor(metrics: MetricSet, label: (nsp: string) => string) {
    this.#metrics = metrics;
    this.#label = label;
    const probe = this;
    this.#listeners = {
      packet(packet) {
        if (packet.type === "message") probe.#incoming(this, packet.data);
      },
      packetCreate(packet) {
        if (packet.type === "message") probe.#outgoing(this, packet.data);
      },
      overflow() {
        metrics.sendBufferOverflows.inc();
      },
      close(reason) {
        probe.#closed(this, reason);
      },
    };
  }

  watch(conn: EngineConnection): void {
    this.#metrics.engineConnections.inc();
    this.#on(conn, true);
  }

  unwatch(conn: EngineConnection): void {
    this.#on(conn, false);
    this.#state.delete(conn);
  }

  #on(conn: EngineConnection, add: boolean): void {
    const l = this.#listeners;
    if (add) {
      // A fast-mode table rather than the dictionary Node makes for a session without one.
      leanEvents(conn);
      conn.on("packet", l.packet);
      conn.on("packetCreate", l.packetCreate);
      conn.on("overflow", l.overflow);
      conn.on("close", l.close);
    } else {
      conn.off("packet", l.packet);
      conn.off("packetCreate", l.packetCreate);
      conn.off("overflow", l.overflow);
      conn.off("close", l.close);
    }
  }

  #closed(conn: EngineConnection, reason: ConnectionCloseReason): void {
    this.#metrics.engineDisconnections.inc({ reason });
    if (reason === "send buffer overflow") this.#metrics.slowClientDisconnects.inc();
    this.unwatch(conn);
  }

  #incoming(conn: EngineConnection, data: string | Uint8Array | undefined): void {
    const m = this.#metrics;
    if (typeof data !== "string") {
      // An attachment of the binary packet before it (or a custom parser's whole packet).
      const nsp = this.#state.get(conn)?.inNsp ?? UNKNOWN_NAMESPACE;
      m.bytesIn.inc({ namespace: nsp }, frameBytes(data));
      return;
    }
    const header = readHeader(data);
    const namespace = header === undefined ? UNKNOWN_NAMESPACE : this.#label(header.nsp);
    m.packetsIn.inc({ namespace });
    m.bytesIn.inc({ namespace }, frameBytes(data));
    if (header === undefined) return;
    if (header.attachments > 0) this.#stateOf(conn).inNsp = namespace;
    if (header.id < 0) return;
    const key = `${header.nsp}#${header.id}`;
    if (header.type === ACK || header.type === BINARY_ACK) {
      const acks = this.#state.get(conn)?.serverAcks;
      const start = acks?.get(key);
      if (acks !== undefined && start !== undefined) {
        acks.delete(key);
        m.ackLatency.observe({ namespace, initiator: "server" }, seconds(start));
      }
    } else if (header.type === EVENT || header.type === BINARY_EVENT) {
      const state = this.#stateOf(conn);
      state.clientAcks ??= new Map();
      remember(state.clientAcks, key);
    }
  }

  #outgoing(conn: EngineConnection, data: string | Uint8Array | undefined): void {
    const m = this.#metrics;
    if (typeof data !== "string") {
      const nsp = this.#state.get(conn)?.outNsp ?? UNKNOWN_NAMESPACE;
      m.bytesOut.inc({ namespace: nsp }, frameBytes(data));
      return;
    }
    const header = readHeader(data);
    const namespace = header === undefined ? UNKNOWN_NAMESPACE : this.#label(header.nsp);
    m.packetsOut.inc({ namespace });
    m.bytesOut.inc({ namespace }, frameBytes(data));
    if (header === undefined) return;
    if (header.attachments > 0) this.#stateOf(conn).outNsp = namespace;
    if (header.type === CONNECT) {
      // The CONNECT of a socket that asked to recover and could not says why (Parley's field).
      if (data.includes('"recoveryFailure"')) this.#recoveryMiss(namespace, data, header.dataStart);
      return;
    }
    if (header.id < 0) return;
    const key = `${header.nsp}#${header.id}`;
    if (header.type === EVENT || header.type === BINARY_EVENT) {
      const state = this.#stateOf(conn);
      state.serverAcks ??= new Map();
      remember(state.serverAcks, key);
    } else if (header.type === ACK || header.type === BINARY_ACK) {
      const acks = this.#state.get(conn)?.clientAcks;
      const start = acks?.get(key);
      if (acks !== undefined && start !== undefined) {
        acks.delete(key);
        m.ackLatency.observe({ namespace, initiator: "client" }, seconds(start));
      }
    }
  }

  #recoveryMiss(namespace: string, data: string, dataStart: number): void {
    let reason = "unknown";
    try {
      const body = JSON.parse(data.slice(dataStart)) as { recoveryFailure?: unknown };
      if (typeof body.recoveryFailure === "string") reason = body.recoveryFailure;
    } catch {
      // A CONNECT we wrote ourselves always parses; keep "unknown" if not.
    }
    this.#metrics.recoveryMisses.inc({ namespace, reason });
  }

  #stateOf(conn: EngineConnection): ConnectionState {
    let state = this.#state.get(conn);
    if (state === undefined) {
      state = {};
      this.#state.set(conn, state);
    }
    return state;
  }
}

function remember(acks: Map<string, number>, key: string): void {
  if (acks.size >= MAX_TIMED_ACKS) {
    const oldest = acks.keys().next();
    if (oldest.done !== true) acks.delete(oldest.value);
  }
  acks.set(key, performance.now());
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}
