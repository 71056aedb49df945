/**
 * The session relay's messages on Redis: small binary frames, so relayed bytes (polling bodies,
 * WebSocket frames) travel raw, with no JSON or base64 around them.
 *
 *   byte 0      magic 0x50 ("P")
 *   byte 1      version (1)
 *   byte 2      kind, with REPLY (0x80) set on tunnel messages going back to the initiator
 *   bytes 3–10  sender node id (8 base64url characters)
 *   bytes 11–14 tunnel id, big-endian uint32 (tunnel kinds only)
 *   rest        payload (OPEN and DATA: the bytes of the stream)
 *
 * Channels: `<key>#session#` carries every node's HELLO / HEARTBEAT / BYE; each node listens on
 * `<key>#session#<nodeId>#` for the tunnels opened to it and for the answers of its own.
 */

import { isNodeId, NODE_ID_LENGTH } from "./node-id.js";

const MAGIC = 0x50;
const VERSION = 1;
const CONTROL_HEADER = 3 + NODE_ID_LENGTH;
const TUNNEL_HEADER = CONTROL_HEADER + 4;

export const Kind = {
  /** A node started: every node answers with a HEARTBEAT to its channel. */
  HELLO: 1,
  HEARTBEAT: 2,
  /** A node is shutting down gracefully: forget it now, not at its heartbeat timeout. */
  BYE: 3,
  /** The first bytes of a new tunnel (initiator → acceptor). */
  OPEN: 16,
  DATA: 17,
  /** The sender will write no more (half close). */
  END: 18,
  /** The sender dropped the tunnel: destroy it. */
  RESET: 19,
} as const;

export type Kind = (typeof Kind)[keyof typeof Kind];

/** Flag on tunnel messages from the acceptor back to the initiator. */
export const REPLY = 0x80;

export type ControlMessage = {
  readonly kind: typeof Kind.HELLO | typeof Kind.HEARTBEAT | typeof Kind.BYE;
  readonly from: string;
};

export type TunnelMessage = {
  readonly kind: typeof Kind.OPEN | typeof Kind.DATA | typeof Kind.END | typeof Kind.RESET;
  readonly from: string;
  /** Whether it goes from the acceptor back to the tunnel's initiator. */
  readonly reply: boolean;
  readonly tunnel: number;
  readonly payload: Buffer;
};

export type RelayMessage = ControlMessage | TunnelMessage;

export function sessionChannel(key: string): string {
  return `${key}#session#`;
}

export function nodeChannel(key: string, nodeId: string): string {
  return `${key}#session#${nodeId}#`;
}

function header(size: number, kind: number, from: string): Buffer {
  const buf = Buffer.allocUnsafe(size);
  buf[0] = MAGIC;
  buf[1] = VERSION;
  buf[2] = kind;
  buf.write(from, 3, NODE_ID_LENGTH, "latin1");
  return buf;
}

export function encodeControl(kind: ControlMessage["kind"], from: string): Buffer {
  return header(CONTROL_HEADER, kind, from);
}

export function encodeTunnel(
  kind: TunnelMessage["kind"],
  from: string,
  reply: boolean,
  tunnel: number,
  payload?: Buffer,
): Buffer {
  const size = TUNNEL_HEADER + (payload?.length ?? 0);
  const buf = header(size, reply ? kind | REPLY : kind, from);
  buf.writeUInt32BE(tunnel, CONTROL_HEADER);
  payload?.copy(buf, TUNNEL_HEADER);
  return buf;
}

/** Decodes one message, or says why it is not one (never throws). */
export function decodeRelayMessage(raw: Buffer): RelayMessage | string {
  if (raw.length < CONTROL_HEADER) return `too short (${raw.length} bytes)`;
  if (raw[0] !== MAGIC) return "not a session relay message (bad magic byte)";
  if (raw[1] !== VERSION) return `unsupported version ${String(raw[1])}`;
  const from = raw.toString("latin1", 3, CONTROL_HEADER);
  if (!isNodeId(from)) return "malformed sender node id";
  const byte = raw[2] as number;
  const kind = byte & ~REPLY;
  const reply = (byte & REPLY) !== 0;
  switch (kind) {
    case Kind.HELLO:
    case Kind.HEARTBEAT:
    case Kind.BYE:
      if (reply || raw.length !== CONTROL_HEADER) return `malformed control message ${kind}`;
      return { kind, from };
    case Kind.OPEN:
    case Kind.DATA:
    case Kind.END:
    case Kind.RESET: {
      if (raw.length < TUNNEL_HEADER) return "tunnel message without a tunnel id";
      if (kind === Kind.OPEN && reply) return "OPEN cannot be a reply";
      if ((kind === Kind.END || kind === Kind.RESET) && raw.length !== TUNNEL_HEADER) {
        return `kind ${kind} carries no payload`;
      }
      const tunnel = raw.readUInt32BE(CONTROL_HEADER);
      return { kind, from, reply, tunnel, payload: raw.subarray(TUNNEL_HEADER) };
    }
    default:
      return `unknown kind ${byte}`;
  }
}
