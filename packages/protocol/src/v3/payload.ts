import type { EnginePacket } from "../engine-packet.js";
import { ProtocolError, ProtocolErrorCode } from "../errors.js";
import { DEFAULT_LIMITS } from "../limits.js";
import type { PayloadDecodeOptions } from "../payload.js";
import { ProtocolErrorCodeV3 } from "./errors.js";
import { decodePacketV3, encodePacketAsTextV3 } from "./packet.js";

/**
 * Engine.IO v3 text polling payloads: each packet is prefixed with its length in UTF-16 code
 * units and a colon, `<length>:<packet>`, and the packets are simply concatenated
 * (`6:4hello2:4x`). Binary packets travel as `b<digit><base64>`. An empty payload is `0:`.
 */

/** One packet's share of a text payload, from its text frame. */
export function payloadPartV3(frame: string): string {
  return `${frame.length}:${frame}`;
}

/** Joins packets into one text payload (binary as base64). */
export function encodePayloadV3(packets: readonly EnginePacket[]): string {
  if (packets.length === 0) return "0:";
  let out = "";
  for (const packet of packets) out += payloadPartV3(encodePacketAsTextV3(packet));
  return out;
}

function framing(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCodeV3.INVALID_PAYLOAD_FRAMING, message);
}

/** Longest length prefix read: 16 digits is past any body a server accepts. */
const MAX_LENGTH_DIGITS = 16;

/**
 * Splits a text payload into packets. Zero-length entries are skipped, as engine.io does; any
 * framing or packet error fails the whole payload (no half-delivered batch).
 */
export function decodePayloadV3(
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
  if (payload.length === 0) return framing("empty Engine.IO v3 payload");
  const packets: EnginePacket[] = [];
  const end = payload.length;
  let i = 0;
  while (i < end) {
    let length = 0;
    const start = i;
    for (; i < end; i++) {
      const code = payload.charCodeAt(i);
      if (code === 58 /* ":" */) break;
      if (code < 48 || code > 57 || i - start >= MAX_LENGTH_DIGITS) {
        return framing("v3 payload length prefix is not a number");
      }
      length = length * 10 + (code - 48);
    }
    if (i === end || i === start) return framing("v3 payload entry without a length prefix");
    i++;
    if (length > end - i) return framing("v3 payload entry is shorter than its length prefix");
    if (length === 0) continue;
    if (packets.length === maxPackets) {
      return new ProtocolError(
        ProtocolErrorCode.PACKET_TOO_LARGE,
        `payload holds more than ${maxPackets} packets`,
      );
    }
    const packet = decodePacketV3(payload.slice(i, i + length));
    if (packet instanceof ProtocolError) return packet;
    packets.push(packet);
    i += length;
  }
  return packets;
}
