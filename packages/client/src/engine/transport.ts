import type { EnginePacket } from "@parley/protocol";
import type { EngineCloseReason, EngineOptions, TransportName } from "./options.js";
import type { Platform } from "./platform.js";

/** A packet on its way out, with engine.io-client's send options (`packetCreate` shows them). */
export interface OutgoingPacket extends EnginePacket {
  /** `compress`: false when the emit said `compress(false)`; WebSocket in Node honours it. */
  options: { compress: boolean };
}

/** What a transport reports to its owner (the engine socket, or an upgrade probe). */
export interface TransportHandler {
  /** The transport can carry packets. */
  onOpen(): void;
  onPacket(packet: EnginePacket): void;
  /** Everything handed to `send` has left. */
  onDrain(): void;
  /** The transport is gone; it reports this at most once and never calls back after it. */
  onClose(reason: EngineCloseReason, description?: unknown): void;
}

export interface TransportInit {
  url: string;
  opts: EngineOptions;
  platform: Platform;
  maxPayload: number;
}

/**
 * One way of carrying Engine.IO packets. Implementations never throw from their methods or
 * callbacks: every failure becomes a single `onClose`.
 */
export interface Transport {
  readonly name: TransportName;
  /** True while `send` may be called. */
  readonly writable: boolean;
  handler: TransportHandler;
  /** The session id, set by the engine once the handshake names it (polling sends it). */
  sid: string | undefined;
  open(): void;
  /** The engine's packets carry options; an upgrade probe's own packets do not. */
  send(packets: (EnginePacket & Partial<OutgoingPacket>)[]): void;
  /** Stops all traffic, telling the server where the protocol has a way to. */
  close(): void;
  /** Waits until no request is in flight and stops polling (only polling needs it). */
  pause(onPause: () => void): void;
}

export const silentHandler: TransportHandler = {
  onOpen() {},
  onPacket() {},
  onDrain() {},
  onClose() {},
};

/** The size of a packet on the wire, near enough to keep polling bodies under `maxPayload`. */
export function packetSize(packet: EnginePacket): number {
  const { data } = packet;
  if (data === undefined) return 1;
  if (typeof data !== "string") return Math.ceil(data.byteLength / 3) * 4 + 1;
  let n = 1;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++; // the low surrogate is part of the same 4-byte character
    } else n += 3;
  }
  return n;
}
