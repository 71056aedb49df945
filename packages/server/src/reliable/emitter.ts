import type { EventNames, EventParams, EventsMap } from "@parley/protocol";
import { SOCKET_RESERVED_EVENTS } from "../socket-types.js";
import { ReliableError } from "./store.js";

/**
 * `socket.reliable`: emits kept until the client acknowledges them, redelivered after
 * reconnections and failover, deduplicated by the Parley client (see "Reliable delivery" in
 * packages/server/README.md for the guarantees and what official clients see).
 */
export class ReliableEmitter<Map extends EventsMap> {
  readonly #channel: ReliableSink;

  /** @internal Made by `socket.reliable`. */
  constructor(channel: ReliableSink) {
    this.#channel = channel;
  }

  /**
   * Resolves once the packet is stored (in this process's memory, or in Redis with
   * `durableSessions`): from then on it reaches the client at least once while the session
   * lives. Rejects with a `ReliableError` (`RELIABLE_LIMIT`, `RELIABLE_NEEDS_RECOVERY`,
   * `RELIABLE_SESSION_ENDED`, `RELIABLE_BAD_ARGUMENT`) when it is not stored.
   */
  emit<Ev extends EventNames<Map>>(ev: Ev, ...args: EventParams<Map, Ev>): Promise<void> {
    const name = ev as string;
    if (typeof name !== "string" || SOCKET_RESERVED_EVENTS.has(name)) {
      return bad(`"${String(ev)}" cannot be emitted reliably: a reserved or non-string name`);
    }
    const data: unknown[] = [name, ...(args as unknown[])];
    if (typeof data[data.length - 1] === "function") {
      return bad("reliable emits take no ack callback: the promise says when it is stored");
    }
    return this.#channel.emit(data);
  }
}

/** Where the emitter's packets go (the socket's reliable channel). */
interface ReliableSink {
  emit(data: unknown[]): Promise<void>;
}

function bad(message: string): Promise<never> {
  return Promise.reject(new ReliableError("RELIABLE_BAD_ARGUMENT", message));
}
