import type { EnginePacket } from "../engine-packet.js";
import { ProtocolError, ProtocolErrorCode } from "../errors.js";
import { DEFAULT_LIMITS } from "../limits.js";
import type { PayloadDecodeOptions } from "../payload.js";
import { ProtocolErrorCodeV3 } from "./errors.js";
import { decodePacketV3, typeNumberV3 } from "./packet.js";
import { utf8Decode, utf8Encode } from "./utf8.js";

/**
 * Engine.IO v3 binary polling payloads (XHR2 clients, `application/octet-stream`), used by the
 * server when a batch holds binary and the client did not ask for `b64`. Each entry is:
 *
 *   <kind: 0 text | 1 binary> <length as one byte per decimal digit> 0xFF <bytes>
 *
 * Text entries are the UTF-8 bytes of `<digit><data>`; binary entries are the type byte then
 * the data. Lengths count bytes.
 */

const KIND_TEXT = 0;
const KIND_BINARY = 1;
const END_OF_LENGTH = 0xff;
/** Longest length read, in digits: 16 is past any body a server accepts. */
const MAX_LENGTH_DIGITS = 16;

function header(kind: number, length: number): number[] {
  const out = [kind];
  const digits = String(length);
  for (let i = 0; i < digits.length; i++) out.push(digits.charCodeAt(i) - 48);
  out.push(END_OF_LENGTH);
  return out;
}

/** Joins packets into one binary payload. */
export function encodeBinaryPayloadV3(packets: readonly EnginePacket[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const packet of packets) {
    const { data } = packet;
    let head: number[];
    let body: Uint8Array;
    let type = -1;
    if (data instanceof Uint8Array) {
      head = header(KIND_BINARY, data.byteLength + 1);
      type = typeNumberV3(packet.type);
      body = data;
    } else {
      body = utf8Encode(typeNumberV3(packet.type) + (data ?? ""));
      head = header(KIND_TEXT, body.byteLength);
    }
    const part = new Uint8Array(head.length + (type === -1 ? 0 : 1) + body.byteLength);
    part.set(head, 0);
    if (type !== -1) part[head.length] = type;
    part.set(body, part.length - body.byteLength);
    parts.push(part);
    total += part.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function framing(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCodeV3.INVALID_PAYLOAD_FRAMING, message);
}

/**
 * Splits a binary payload into packets. Any framing or packet error fails the whole payload.
 * Binary packet data are views into `payload` (no copy).
 */
export function decodeBinaryPayloadV3(
  payload: Uint8Array,
  options?: PayloadDecodeOptions,
): EnginePacket[] | ProtocolError {
  const maxPackets = options?.maxPackets ?? DEFAULT_LIMITS.maxPayloadPackets;
  const end = payload.byteLength;
  if (end === 0) return framing("empty Engine.IO v3 binary payload");
  const packets: EnginePacket[] = [];
  let i = 0;
  while (i < end) {
    const kind = payload[i] as number;
    if (kind !== KIND_TEXT && kind !== KIND_BINARY) {
      return framing(`v3 binary payload entry of unknown kind ${kind}`);
    }
    i++;
    const start = i;
    let length = 0;
    for (; i < end; i++) {
      const digit = payload[i] as number;
      if (digit === END_OF_LENGTH) break;
      if (digit > 9 || i - start >= MAX_LENGTH_DIGITS) {
        return framing("v3 binary payload length is not a number");
      }
      length = length * 10 + digit;
    }
    if (i === end || i === start) return framing("v3 binary payload entry without a length");
    i++;
    if (length > end - i) {
      return framing("v3 binary payload entry is shorter than its length");
    }
    if (packets.length === maxPackets) {
      return new ProtocolError(
        ProtocolErrorCode.PACKET_TOO_LARGE,
        `payload holds more than ${maxPackets} packets`,
      );
    }
    const bytes = payload.subarray(i, i + length);
    const packet = decodePacketV3(kind === KIND_TEXT ? utf8Decode(bytes) : bytes);
    if (packet instanceof ProtocolError) return packet;
    packets.push(packet);
    i += length;
  }
  return packets;
}
