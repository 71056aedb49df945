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
