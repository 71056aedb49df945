import {
  decodeEnginePacket,
  type EnginePacket,
  encodeEnginePacketAsText,
} from "./engine-packet.js";
import { ProtocolError, ProtocolErrorCode } from "./errors.js";
import { DEFAULT_LIMITS } from "./limits.js";

/** Engine.IO v4 joins the packets of one long-polling request or response with U+001E. */
export const RECORD_SEPARATOR = "\x1e";

export interface PayloadDecodeOptions {
  /** Most packets accepted in one payload; more is refused as PACKET_TOO_LARGE. */
  maxPackets?: number;
  /**
   * Longest payload accepted, in UTF-16 code units; longer is refused as PACKET_TOO_LARGE
   * before any work is done. No limit by default: the server's polling transport has already
   * bounded the body by `maxHttpBufferSize` (in bytes) before it decodes it.
   */
  maxLength?: number;
}

/** Joins packets into one long-polling body; binary packets travel as `b` + base64. */
export function encodePayload(packets: readonly EnginePacket[]): string {
  let out = "";
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) out += RECORD_SEPARATOR;
    out += encodeEnginePacketAsText(packets[i] as EnginePacket);
  }
  return out;
}

/**
 * Splits a long-polling body into packets. The first bad packet fails the whole payload:
 * a peer that sends garbage in a batch does not get the good half delivered.
 */
export function decodePayload(
  payload: string,
  options?: PayloadDecodeOptions,
): EnginePacket[] | ProtocolError {
  const maxPackets = options?.maxPackets ?? DEFAULT_LIMITS.maxPayloadPackets;
  const maxLength = options?.maxLength;
  if (maxLength !== undefined && payload.length > maxLength) {
    return new ProtocolError(
      ProtocolErrorCode.PACKET_TOO_LARGE,
      `payload of ${payload.length} characters exceeds the limit of ${maxLength}`,
    );
  }
  const packets: EnginePacket[] = [];
  let start = 0;
  while (start <= payload.length) {
    let end = payload.indexOf(RECORD_SEPARATOR, start);
    if (end === -1) end = payload.length;
    if (packets.length === maxPackets) {
      return new ProtocolError(
        ProtocolErrorCode.PACKET_TOO_LARGE,
        `payload holds more than ${maxPackets} packets`,
      );
    }
    const packet = decodeEnginePacket(payload.slice(start, end));
    if (packet instanceof ProtocolError) return packet;
    packets.push(packet);
    start = end + 1;
  }
  return packets;
}
