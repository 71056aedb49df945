import { createHash, randomBytes } from "node:crypto";

/**
 * The client half of WebSocket framing (RFC 6455), for the Bun edge of the session relay: it
 * speaks to the owner's WebSocket server through a tunnel as a client would (masked frames,
 * no extensions), while Bun's own server faces the real client.
 */

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** A fresh `Sec-WebSocket-Key` and the `Sec-WebSocket-Accept` the server must answer. */
export function handshakeKey(): { key: string; accept: string } {
  const key = randomBytes(16).toString("base64");
  const accept = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  return { key, accept };
}

/** One masked frame (a client's), FIN set. */
export function clientFrame(opcode: number, payload: Uint8Array): Buffer {
  const length = payload.length;
  const extra = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + extra + 4 + length);
  frame[0] = 0x80 | opcode;
  if (extra === 0) frame[1] = 0x80 | length;
  else if (extra === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const at = 2 + extra;
  const mask = randomBytes(4);
  mask.copy(frame, at);
  for (let i = 0; i < length; i++) {
    frame[at + 4 + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  }
  return frame;
}

/** A close frame's payload: the code (when it may be sent) and the reason. */
export function closePayload(code: number, reason: string): Buffer {
  // 1005, 1006 and 1015 are reported locally, never sent; others outside the ranges are invalid.
  const sendable =
    (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) ||
    (code >= 3000 && code <= 4999);
  if (!sendable) return Buffer.alloc(0);
  const text = Buffer.from(reason.slice(0, 120));
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return payload;
}

export interface Frame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

/**
 * Splits a server's byte stream into frames (unmasked, as servers send). `maxPayload` bounds
 * one frame: past it the stream is not the Engine.IO owner's, or is hostile.
 */
export class FrameReader {
  readonly #maxPayload: number;
  #buffered: Buffer = Buffer.alloc(0);

  constructor(maxPayload: number) {
    this.#maxPayload = maxPayload;
  }

  /** The complete frames `chunk` finishes; throws on a frame over the limit or masked. */
  push(chunk: Buffer): Frame[] {
    let data = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      if (data.length < 2) break;
      const b0 = data[0] as number;
      const b1 = data[1] as number;
      if ((b1 & 0x80) !== 0) throw new Error("a masked frame from the server");
      let length = b1 & 0x7f;
      let at = 2;
      if (length === 126) {
        if (data.length < 4) break;
        length = data.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (data.length < 10) break;
        const big = data.readBigUInt64BE(2);
        if (big > BigInt(this.#maxPayload)) throw new Error("a frame over the limit");
        length = Number(big);
        at = 10;
      }
      if (length > this.#maxPayload) throw new Error("a frame over the limit");
      if (data.length < at + length) break;
      frames.push({
        fin: (b0 & 0x80) !== 0,
        opcode: b0 & 0x0f,
        payload: data.subarray(at, at + length),
      });
      data = data.subarray(at + length);
    }
    this.#buffered = data;
    return frames;
  }
}
