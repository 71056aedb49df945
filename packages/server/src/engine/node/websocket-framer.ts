import type { CachedFrame } from "../wire-format.js";

/**
 * The one RFC 6455 framer of the Node front. Server → client data frames only: unmasked,
 * unfragmented, no extension bits. ws keeps the handshake, the receiver, control frames and
 * permessage-deflate; while an extension is negotiated nothing here is used (frames then go
 * through `ws.send`, see `websocket-sink.ts`). Decision and costs: docs/ARCHITECTURE.md
 * ("One WebSocket sink") and docs/PERFORMANCE.md.
 *
 * Why our own rather than ws's `Sender.frame`: ws exports `Sender` but does not declare it
 * (no types, not documented), so a minor ws release may change it; the frame header is ten
 * lines (`test/engine/websocket-frame.test.ts` checks it byte for byte against ws's).
 */

/**
 * One complete frame: text (a string, written as UTF-8 straight after the header in one
 * allocation, or UTF-8 bytes with `binary` false) or binary bytes (copied behind the header).
 */
export function frameMessage(data: string | Uint8Array, binary = typeof data !== "string"): Buffer {
  const text = typeof data === "string";
  const length = text ? Buffer.byteLength(data, "utf8") : data.byteLength;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = binary ? 0x82 : 0x81;
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

/** A broadcast frame's complete bytes, framed on first use and kept for every recipient. */
export function framedBytes(frame: CachedFrame): Buffer {
  let bytes = frame.framed;
  if (bytes === null) {
    bytes = frameMessage(frame.data, frame.binary);
    frame.framed = bytes;
  }
  return bytes;
}
