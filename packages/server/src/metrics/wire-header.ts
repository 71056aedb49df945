/**
 * Reads just the header of a Socket.IO packet as it travels in an Engine.IO `message`
 * frame (`<type>[<attachments>-][/<nsp>,][<ack id>]<json>`), without decoding its JSON: the
 * metrics see every packet through the connection's `packet` / `packetCreate` events and
 * need only the type, the namespace and the ack id.
 */

export const EVENT = 2;
export const ACK = 3;
export const CONNECT = 0;
export const BINARY_EVENT = 5;
export const BINARY_ACK = 6;

export interface PacketHeader {
  readonly type: number;
  readonly nsp: string;
  /** The ack id, or -1 when the packet has none. */
  readonly id: number;
  /** Binary attachments that follow as their own frames (BINARY_EVENT / BINARY_ACK). */
  readonly attachments: number;
  /** Where the JSON data starts. */
  readonly dataStart: number;
}

const ZERO = 48;
const NINE = 57;

/** The header of a text frame, or undefined if it is not a Socket.IO packet (custom parser). */
export function readHeader(frame: string): PacketHeader | undefined {
  const type = frame.charCodeAt(0) - ZERO;
  if (!(type >= 0 && type <= 6)) return undefined;
  let i = 1;
  let attachments = 0;
  if (type === BINARY_EVENT || type === BINARY_ACK) {
    const dash = frame.indexOf("-", i);
    if (dash === -1) return undefined;
    attachments = Number(frame.slice(i, dash));
    if (!Number.isInteger(attachments)) return undefined;
    i = dash + 1;
  }
  let nsp = "/";
  if (frame.charCodeAt(i) === 47 /* "/" */) {
    const comma = frame.indexOf(",", i);
    nsp = comma === -1 ? frame.slice(i) : frame.slice(i, comma);
    i = comma === -1 ? frame.length : comma + 1;
  }
  let id = -1;
  const start = i;
  while (i < frame.length) {
    const c = frame.charCodeAt(i);
    if (c < ZERO || c > NINE) break;
    i++;
  }
  if (i > start) id = Number(frame.slice(start, i));
  return { type, nsp, id, attachments, dataStart: i };
}

/** Bytes of a frame on the wire: UTF-8 length for text. */
export function frameBytes(frame: string | Uint8Array | undefined): number {
  if (frame === undefined) return 0;
  return typeof frame === "string" ? Buffer.byteLength(frame) : frame.byteLength;
}
