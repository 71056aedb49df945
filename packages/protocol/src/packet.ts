/** Socket.IO v5 packet types. The wire form is the digit. */
export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/**
 * A decoded Socket.IO packet. `data` is already rebuilt (binary placeholders replaced);
 * `attachments` is only meaningful on the wire and is set by the encoder/decoder.
 */
export interface Packet {
  type: PacketType;
  /** Always starts with `/`; the main namespace is `/`. */
  nsp: string;
  /**
   * CONNECT: auth object (client → server) or `{ sid, pid? }` (server → client);
   * EVENT/ACK: array of arguments (EVENT: name first); CONNECT_ERROR: `{ message, data? }`.
   */
  data?: unknown;
  /** Ack id: set on an EVENT that wants an ACK, and on the ACK that answers it. */
  id?: number;
  /** Number of binary attachments that follow (BINARY_EVENT / BINARY_ACK only). */
  attachments?: number;
}

/**
 * Events a peer may never emit: they are the lifecycle events of the receiving side, and
 * accepting them would let a client impersonate the server's own notifications.
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);
