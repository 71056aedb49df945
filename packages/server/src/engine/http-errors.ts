import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/**
 * Engine.IO's numeric error codes, unchanged, so clients and tools written for engine.io read
 * Parley's refusals the same way. Add codes; never renumber.
 */
export const EngineErrorCode = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

export const EngineErrorMessage: Readonly<Record<EngineErrorCode, string>> = {
  0: "Transport unknown",
  1: "Session ID unknown",
  2: "Bad handshake method",
  3: "Bad request",
  4: "Forbidden",
  5: "Unsupported protocol version",
};

/** Payload of the engine's `connection_error` event. */
export interface EngineConnectionError {
  readonly req: IncomingMessage;
  readonly code: EngineErrorCode;
  readonly message: string;
  readonly context: Readonly<Record<string, unknown>>;
}

export function statusFor(code: EngineErrorCode): number {
  return code === EngineErrorCode.FORBIDDEN ? 403 : 400;
}

function errorBody(code: number, message: string): string {
  return JSON.stringify({ code, message });
}

/** Ends `res` with `status` and `{ code, message }` as JSON, unless it was already answered. */
export function writeJsonError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  extraHeaders?: OutgoingHttpHeaders,
): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = errorBody(code, message);
  res.writeHead(status, {
    ...extraHeaders,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function writeHttpError(res: ServerResponse, code: EngineErrorCode, message?: string): void {
  writeJsonError(res, statusFor(code), code, message ?? EngineErrorMessage[code]);
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: "Bad Request", 403: "Forbidden" };

/**
 * Refuses an upgrade: a complete HTTP response on the raw socket, then the socket is ended
 * (and destroyed once flushed, or right away if it cannot be written).
 */
export function writeUpgradeError(socket: Duplex, code: EngineErrorCode, message?: string): void {
  const status = statusFor(code);
  const body = errorBody(code, message ?? EngineErrorMessage[code]);
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  socket.once("finish", socket.destroy);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\n` +
      "Connection: close\r\n" +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `\r\n${body}`,
  );
}
