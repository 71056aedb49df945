import type { EnginePacket, ProtocolError, RawData } from "@parley/protocol";
import type { PreparedMessage } from "./contract.js";
import type { OutgoingItem, OutgoingPacket } from "./core/transport.js";

/**
 * How a transport turns packets into bytes on the wire and back. One per Engine.IO revision
 * (and, for v3, per client kind: binary, base64 or JSONP), chosen once per session at its
 * handshake (or upgrade) and held by the transport: a v4 session never tests for v3 again,
 * and a v3 session costs no branch in the v4 code. The v4 formats are `ENGINE_V4_POLLING`
 * (`transports/polling.ts`) and `ENGINE_V4_WEBSOCKET` (`transports/websocket.ts`); the v3
 * ones live in `eio3/`.
 */

/** A long-polling response body: text goes out as `text/plain`, bytes as `application/octet-stream`. */
export interface PollingBody {
  readonly body: string | Uint8Array;
  /** Whether any of its packets asked to be compressed. */
  readonly compress: boolean;
}

export interface PollingFormat {
  /** One response body holding `items`, in order. */
  encode(items: readonly OutgoingItem[]): PollingBody;
  /** Whether a POST declared `application/octet-stream` is read (else refused with 400). */
  readonly binaryBodies: boolean;
  /** The packets of one POST body (`binary`: it was declared `application/octet-stream`). */
  decode(body: Buffer, binary: boolean, maxPackets: number): EnginePacket[] | ProtocolError;
}

/** A broadcast frame encoded once: the bytes every recipient gets. */
export interface CachedFrame {
  /** The Engine.IO payload (what `ws.send` takes). */
  readonly data: Buffer;
  readonly binary: boolean;
  /** The complete RFC 6455 frame (header + payload), built on demand by the Node front's framer. */
  framed: Buffer | null;
}

export interface WebSocketFormat {
  /** One packet as one WebSocket message (a string is sent as a text frame). */
  encode(packet: OutgoingPacket): RawData;
  /** A broadcast's frames, encoded once and cached on the message for every recipient. */
  frames(message: PreparedMessage): readonly CachedFrame[];
  /** One received message. */
  decode(data: Buffer, isBinary: boolean): EnginePacket | ProtocolError;
}
