/**
 * `@parley/protocol/v3`: the Engine.IO v3 codec, for servers that accept old clients
 * (socket.io-client 2.x, engine.io-client 3.x, older mobile SDKs) with `allowEIO3`. A separate
 * entry point, so it never enters the default client bundle.
 */
export {
  decodeBinaryPayloadV3,
  encodeBinaryPayloadV3,
} from "./binary-payload.js";
export { ProtocolErrorCodeV3 } from "./errors.js";
export {
  decodePacketV3,
  encodePacketAsTextV3,
  encodePacketV3,
  typeNumberV3,
} from "./packet.js";
export { decodePayloadV3, encodePayloadV3, payloadPartV3 } from "./payload.js";

/** Engine.IO protocol revision spoken by this codec (the `EIO` query parameter). */
export const ENGINE_PROTOCOL_V3 = 3;
