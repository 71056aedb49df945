import { decodeBase64, encodeBase64 } from "../base64.js";
import {
  ENGINE_TYPE_CODES,
  type EnginePacket,
  type EnginePacketType,
  type RawData,
} from "../engine-packet.js";
import { ProtocolError, ProtocolErrorCode } from "../errors.js";

/**
 * Engine.IO v3 packets, one transport frame each. What differs from v4:
 * - binary travels with its packet type in front: a WebSocket binary frame is the type byte
 *   (4 for `message`) then the bytes; as text it is `b<type digit><base64>`;
 * - everything else (`<digit><text>`) is the same.
 */

const TYPES: readonly EnginePacketType[] = [
  "open",
  "close",
  "ping",
  "pong",
  "message",
  "upgrade",
  "noop",
];

/** The numeric type of a packet (the digit's value, the byte of a binary frame). */
export function typeNumberV3(type: EnginePacketType): number {
  return ENGINE_TYPE_CODES[type].charCodeAt(0) - 48;
}

/**
 * Encodes one packet. With `binary` (the peer takes binary frames), bytes become the type
 * byte followed by the data; without it (`b64=1` clients), `b<digit><base64>` text.
 */
export function encodePacketV3(packet: EnginePacket, binary: boolean): RawData {
  const { data } = packet;
  const code = ENGINE_TYPE_CODES[packet.type];
  if (data instanceof Uint8Array) {
    if (!binary) return `b${code}${encodeBase64(data)}`;
    const out = new Uint8Array(data.byteLength + 1);
    out[0] = typeNumberV3(packet.type);
    out.set(data, 1);
    return out;
  }
  return data === undefined ? code : code + data;
}

/** Encodes one packet as text: bytes as `b<digit><base64>`. */
export function encodePacketAsTextV3(packet: EnginePacket): string {
  return encodePacketV3(packet, false) as string;
}

/**
 * Decodes one frame: text `<digit>[data]` or `b<digit><base64>`, or a binary frame whose
 * first byte is the type. Returns a ProtocolError instead of throwing.
 */
export function decodePacketV3(frame: RawData): EnginePacket | ProtocolError {
  if (typeof frame !== "string") {
    if (frame.byteLength === 0) {
      return new ProtocolError(ProtocolErrorCode.EMPTY_PACKET, "empty Engine.IO v3 binary frame");
    }
    const type = TYPES[frame[0] as number];
    if (type === undefined) {
      return new ProtocolError(
        ProtocolErrorCode.UNKNOWN_PACKET_TYPE,
        `unknown Engine.IO v3 packet type byte ${frame[0]}`,
      );
    }
    return { type, data: frame.subarray(1) };
  }
  if (frame.length === 0) {
    return new ProtocolError(ProtocolErrorCode.EMPTY_PACKET, "empty Engine.IO v3 packet");
  }
  const base64 = frame.charCodeAt(0) === 98; /* "b" */
  const at = base64 ? 1 : 0;
  const code = frame.charCodeAt(at);
  const type = code >= 48 && code <= 54 ? TYPES[code - 48] : undefined;
  if (type === undefined) {
    return new ProtocolError(
      ProtocolErrorCode.UNKNOWN_PACKET_TYPE,
      `unknown Engine.IO v3 packet type ${JSON.stringify(frame.slice(0, at + 1))}`,
    );
  }
  if (base64) {
    const bytes = decodeBase64(frame.slice(2));
    if (bytes === null) {
      return new ProtocolError(ProtocolErrorCode.INVALID_BASE64, "binary packet is not base64");
    }
    return { type, data: bytes };
  }
  // An empty message is still a message (engine.io-client 3.x sends `4` for `send("")`).
  if (frame.length > 1 || type === "message") return { type, data: frame.slice(1) };
  return { type };
}
