import {
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Duplex } from "node:stream";

import { EngineErrorCode, EngineErrorMessage, errorBody, statusFor } from "./core/errors.js";

export { EngineErrorCode, EngineErrorMessage, statusFor };

/** Payload of the engine's `connection_error` event. */
export interface EngineConnectionError {
  readonly req: IncomingMessage;
  readonly code: EngineErrorCode;
  readonly message: string;
  readonly context: Readonly<Record<string, unknown>>;
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

/**
 * Writes a complete HTTP response on a raw socket (one not yet handed to ws), then ends it,
 * destroying it once flushed, or right away if it cannot be written. `headerLines` are
 * `Name: value\r\n` lines; `Connection: close` and `Content-Length` are added here.
 */
export function writeRawResponse(
  socket: Duplex,
  status: number,
  reason: string,
  headerLines: string,
  body: string | Buffer,
): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  socket.once("finish", socket.destroy);
  const head =
    `HTTP/1.1 ${status} ${reason}\r\n` +
    "Connection: close\r\n" +
    headerLines +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  if (typeof body === "string") {
    socket.end(head + body);
    return;
  }
  socket.write(head);
  socket.end(body);
}

/**
 * Refuses an upgrade: a complete HTTP response on the raw socket, then the socket is ended
 * (and destroyed once flushed, or right away if it cannot be written).
 */
export function writeUpgradeError(socket: Duplex, code: EngineErrorCode, message?: string): void {
  const status = statusFor(code);
  const body = errorBody(code, message ?? EngineErrorMessage[code]);
  writeRawResponse(
    socket,
    status,
    STATUS_CODES[status] ?? "",
    "Content-Type: application/json\r\n",
    body,
  );
}
