import type { ProtocolErrorCodeV3 } from "./v3/errors.js";

/**
 * Stable, machine-readable reasons a peer's input was refused. These strings are part of the
 * public API: servers log them, clients show them in `connect_error`, tests match on them.
 * Add new codes; never rename or reuse one.
 */
export const ProtocolErrorCode = {
  /** The input was empty where a packet was expected. */
  EMPTY_PACKET: "EMPTY_PACKET",
  /** The first character is not a known packet type. */
  UNKNOWN_PACKET_TYPE: "UNKNOWN_PACKET_TYPE",
  /** The input is longer than the configured maximum. */
  PACKET_TOO_LARGE: "PACKET_TOO_LARGE",
  /** A `b`-prefixed polling packet whose body is not valid base64. */
  INVALID_BASE64: "INVALID_BASE64",
  /** The namespace does not start with `/` or contains a forbidden character. */
  INVALID_NAMESPACE: "INVALID_NAMESPACE",
  /** The ack id is not a non-negative safe integer. */
  INVALID_ACK_ID: "INVALID_ACK_ID",
  /** The JSON body does not parse. */
  INVALID_JSON: "INVALID_JSON",
  /** The body parses but has the wrong shape for its packet type. */
  INVALID_PAYLOAD: "INVALID_PAYLOAD",
  /** CONNECT data that is present but not a plain object. */
  INVALID_CONNECT_PAYLOAD: "INVALID_CONNECT_PAYLOAD",
  /** An EVENT whose first element is not a string. */
  INVALID_EVENT_NAME: "INVALID_EVENT_NAME",
  /** An EVENT named after one of the lifecycle events the peer may not emit. */
  RESERVED_EVENT_NAME: "RESERVED_EVENT_NAME",
  /** The attachment count prefix is missing, malformed, or not a safe integer. */
  INVALID_ATTACHMENT_COUNT: "INVALID_ATTACHMENT_COUNT",
  /** More binary attachments than `maxAttachments` allows. */
  TOO_MANY_ATTACHMENTS: "TOO_MANY_ATTACHMENTS",
  /** A placeholder whose `num` is not an integer index of a received attachment. */
  INVALID_PLACEHOLDER: "INVALID_PLACEHOLDER",
  /** A text packet arrived while binary attachments of a previous packet were still expected. */
  UNEXPECTED_TEXT_PACKET: "UNEXPECTED_TEXT_PACKET",
  /** A binary frame arrived while no packet was waiting for attachments. */
  UNEXPECTED_BINARY: "UNEXPECTED_BINARY",
} as const;

/**
 * A code a ProtocolError may carry: one of the above, or one of the Engine.IO v3 codec's own
 * (`@parley/protocol/v3`), kept in that module so this object stays as small as it is.
 */
export type ProtocolErrorCode =
  | (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode]
  | ProtocolErrorCodeV3;

/**
 * V8's knob for how many frames an Error records. Capturing a stack costs ~10 µs at typical
 * server depths, while a protocol error's stack only ever points into this decoder, so it is
 * switched off while a ProtocolError is built. Only touched where it is a plain writable
 * number (not in engines without it, nor where intrinsics are frozen).
 */
const ErrorWithStackLimit = Error as { stackTraceLimit?: number };
const stackLimit = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
const canSkipStack = stackLimit?.writable === true && typeof stackLimit.value === "number";

/**
 * A peer sent something the protocol does not allow. Decoders *return* this rather than
 * throw it, so a hostile byte sequence can never become an uncaught exception; callers end
 * the one session that sent it. It carries no stack trace: it is built often under a flood
 * of bad input, and the `code` says all there is to say.
 */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string) {
    const limit = canSkipStack ? ErrorWithStackLimit.stackTraceLimit : undefined;
    if (limit !== undefined) ErrorWithStackLimit.stackTraceLimit = 0;
    super(message);
    if (limit !== undefined) ErrorWithStackLimit.stackTraceLimit = limit;
    this.name = "ProtocolError";
    this.code = code;
  }
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
