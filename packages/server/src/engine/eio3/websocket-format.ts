import { encodeEnginePacket, type RawData } from "@parley/protocol";
import { decodePacketV3, encodePacketV3 } from "@parley/protocol/v3";
import type { PreparedMessage } from "../contract.js";
import type { OutgoingPacket } from "../core/transport.js";
import { websocketFrames } from "../websocket-format.js";
import type { CachedFrame, WebSocketFormat } from "../wire-format.js";

/**
 * Engine.IO v3 over WebSocket. Text frames are the same as v4's, so a broadcast without binary
 * shares the v4 frames (framed once for v3 and v4 recipients alike). Binary frames carry the
 * packet type byte (4) before the data; a client that asked for `b64=1` gets `b4<base64>`
 * text frames instead.
 */
function v3Format(binary: boolean): WebSocketFormat {
  const cacheKey = binary ? "websocket-v3" : "websocket-v3-b64";
  const encode = (packet: OutgoingPacket): RawData =>
    packet.data instanceof Uint8Array ? encodePacketV3(packet, binary) : encodeEnginePacket(packet);
  const frames = (message: PreparedMessage): readonly CachedFrame[] => {
    if (message.frames.every((frame) => typeof frame === "string")) return websocketFrames(message);
    const cached = message.cache.get(cacheKey) as readonly CachedFrame[] | undefined;
    if (cached !== undefined) return cached;
    const out: CachedFrame[] = [];
    for (const frame of message.frames) {
      const data = encode({ type: "message", data: frame });
      out.push(
        typeof data === "string"
          ? { data: Buffer.from(data, "utf8"), binary: false, framed: null }
          : {
              data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
              binary: true,
              framed: null,
            },
      );
    }
    message.cache.set(cacheKey, out);
    return out;
  };
  return {
    encode,
    frames,
    decode: (data, isBinary) => decodePacketV3(isBinary ? data : data.toString("utf8")),
  };
}

/** Clients that take binary frames (every engine.io-client 3.x with a real WebSocket). */
export const ENGINE_V3_WEBSOCKET: WebSocketFormat = v3Format(true);

/** Clients that asked for `b64=1`. */
export const ENGINE_V3_WEBSOCKET_BASE64: WebSocketFormat = v3Format(false);
