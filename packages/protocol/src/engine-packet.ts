import { decodeBase64, encodeBase64 } from "./base64.js";
import { ProtocolError, ProtocolErrorCode } from "./errors.js";

/** Engine.IO v4 packet types, by name. The wire form is the digit in ENGINE_TYPE_CODES. */
export type EnginePacketType = "open" | "close" | "ping" | "pong" | "message" | "upgrade" | "noop";

export const ENGINE_TYPE_CODES: Readonly<Record<EnginePacketType, string>> = {
  open: "0",
  close: "1",
  ping: "2",
  pong: "3",
  message: "4",
  upgrade: "5",
  noop: "6",
};

/** Packet types indexed by their digit, for decoding. */
const TYPE_BY_DIGIT: readonly EnginePacketType[] = [
  "open",
  "close",
  "ping",
  "pong",
  "message",
  "upgrade",
  "noop",
];

/** What a transport carries: a text frame (string) or a binary frame (bytes). */
export type RawData = string | Uint8Array;

export interface EnginePacket {
  type: EnginePacketType;
  /** Text or bytes. Only `message` packets carry bytes; `ping`/`pong` may carry `"probe"`. */
  data?: RawData;
}

/**
 * Encodes one packet for a transport that carries binary frames natively (WebSocket):
 * a binary `message` becomes the raw bytes, everything else becomes `<digit><text>`.
 */
export function encodeEnginePacket(packet: EnginePacket): RawData {
  const { data } = packet;
  if (data instanceof Uint8Array) return data;
  const code = ENGINE_TYPE_CODES[packet.type];
  return data === undefined ? code : code + data;
}

/**
 * Encodes one packet as text (long-polling): binary becomes `b` + base64, as the v4 spec says.
 */
export function encodeEnginePacketAsText(packet: EnginePacket): string {
  const { data } = packet;
  if (data instanceof Uint8Array) return `b${encodeBase64(data)}`;
  const code = ENGINE_TYPE_CODES[packet.type];
  return data === undefined ? code : code + data;
}

/**
 * Decodes one transport frame. A binary frame is always a `message`; a text frame starting
 * with `b` is base64 binary (polling). Returns a ProtocolError instead of throwing.
 */
export function decodeEnginePacket(frame: RawData): EnginePacket | ProtocolError {
  if (typeof frame !== "string") return { type: "message", data: frame };
  if (frame.length === 0) {
    return new ProtocolError(ProtocolErrorCode.EMPTY_PACKET, "empty Engine.IO packet");
  }
  const code = frame.charCodeAt(0);
  if (code === 98 /* "b" */) {
    const bytes = decodeBase64(frame.slice(1));
    if (bytes === null) {
      return new ProtocolError(ProtocolErrorCode.INVALID_BASE64, "binary packet is not base64");
    }
    return { type: "message", data: bytes };
  }
  const type = code >= 48 && code <= 54 ? TYPE_BY_DIGIT[code - 48] : undefined;
  if (type === undefined) {
    return new ProtocolError(
      ProtocolErrorCode.UNKNOWN_PACKET_TYPE,
      `unknown Engine.IO packet type ${JSON.stringify(frame[0])}`,
    );
  }
  return frame.length > 1 ? { type, data: frame.slice(1) } : { type };
}
