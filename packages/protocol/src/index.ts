export { decodeBase64, encodeBase64 } from "./base64.js";
export { deconstruct, hasBinary, type Placeholder, reconstruct } from "./binary.js";
export { type BinaryData, isBinary, toUint8Array } from "./binary-data.js";
export {
  type DecodeResult,
  type DecoderOptions,
  decodeTextPacket,
  PacketDecoder,
  validatePacket,
} from "./decoder.js";
export { type EncodedPacket, encodePacket } from "./encoder.js";
export {
  decodeEnginePacket,
  ENGINE_TYPE_CODES,
  type EnginePacket,
  type EnginePacketType,
  encodeEnginePacket,
  encodeEnginePacketAsText,
  type RawData,
} from "./engine-packet.js";
export { isProtocolError, ProtocolError, ProtocolErrorCode } from "./errors.js";
export { DEFAULT_LIMITS } from "./limits.js";
export { type Packet, PacketType, RESERVED_EVENTS } from "./packet.js";
export {
  decodePayload,
  encodePayload,
  type PayloadDecodeOptions,
  RECORD_SEPARATOR,
} from "./payload.js";
export { RELIABLE_AUTH_KEY, RELIABLE_EVENT } from "./reliable.js";
export type * from "./typed-events.js";

/** Engine.IO protocol revision spoken by this codec (the `EIO` query parameter). */
export const ENGINE_PROTOCOL = 4;
/** Socket.IO protocol revision spoken by this codec. */
export const SOCKET_PROTOCOL = 5;
