import { decodeEnginePacket, encodeEnginePacket } from "@parley/protocol";
import type { PreparedMessage } from "./core/contract.js";
import type { CachedFrame, WebSocketFormat } from "./wire-format.js";

/** Engine.IO v4 over WebSocket, runtime-neutral: every front's WebSocket transport uses it. */

/**
 * The frames of a prepared broadcast, encoded once and cached on the message. Text becomes the
 * UTF-8 bytes of `"4" + text`, sent as a text frame: `ws` writes a Buffer as-is (no copy, no
 * re-encoding), so each recipient costs a 2–10 byte frame header plus a write of shared bytes.
 */
export function websocketFrames(message: PreparedMessage): readonly CachedFrame[] {
  const cached = message.cache.get("websocket") as readonly CachedFrame[] | undefined;
  if (cached !== undefined) return cached;
  const frames: CachedFrame[] = [];
  for (const frame of message.frames) {
    frames.push(
      typeof frame === "string"
        ? { data: Buffer.from(`4${frame}`, "utf8"), binary: false, framed: null }
        : {
            data: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength),
            binary: true,
            framed: null,
          },
    );
  }
  message.cache.set("websocket", frames);
  return frames;
}

/** Engine.IO v4 over WebSocket: text frames `<digit><text>`, binary frames the raw bytes. */
export const ENGINE_V4_WEBSOCKET: WebSocketFormat = {
  encode: encodeEnginePacket,
  frames: websocketFrames,
  decode: (data, isBinary) =>
    isBinary ? { type: "message", data } : decodeEnginePacket(data.toString("utf8")),
};

/**
 * One unmasked, unfragmented RFC 6455 data frame (server to client, no extension). Text is
 * written as UTF-8 straight after the header in one allocation; binary payloads are copied
 * behind theirs. Only used where no extension was negotiated.
 */
export function frameMessage(data: string | Uint8Array): Buffer {
  const text = typeof data === "string";
  const length = text ? Buffer.byteLength(data, "utf8") : data.byteLength;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = text ? 0x81 : 0x82;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  if (text) frame.write(data, header, "utf8");
  else frame.set(data, header);
  return frame;
}
