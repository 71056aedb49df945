import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { writeRawResponse } from "../engine/http-errors.js";
import type { ConnectionRefusal } from "./connection-admission.js";

const MESSAGES: Readonly<Record<ConnectionRefusal["name"], string>> = {
  CONNECTION_RATE_LIMITED: "Too many handshakes from this address",
  TOO_MANY_CONNECTIONS: "Too many open connections from this address",
};

/** `{ code, message, retryAfterMs }`: `code` is stable, for clients and tools to match on. */
export function tooManyBody(refusal: ConnectionRefusal): string {
  return JSON.stringify({
    code: refusal.name,
    message: MESSAGES[refusal.name],
    retryAfterMs: refusal.retryAfterMs,
  });
}

/** `Retry-After` is in whole seconds (RFC 9110), rounded up so it is never too early. */
export function retryAfterSeconds(refusal: ConnectionRefusal): string {
  return String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000)));
}

/** 429 on a polling handshake. */
export function writeTooManyRequests(res: ServerResponse, refusal: ConnectionRefusal): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = tooManyBody(refusal);
  res.writeHead(429, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Retry-After": retryAfterSeconds(refusal),
  });
  res.end(text);
}

/** 429 on a WebSocket handshake, written on the raw socket before any upgrade. */
export function writeTooManyUpgrades(socket: Duplex, refusal: ConnectionRefusal): void {
  writeRawResponse(
    socket,
    429,
    "Too Many Requests",
    `Content-Type: application/json\r\nRetry-After: ${retryAfterSeconds(refusal)}\r\n`,
    tooManyBody(refusal),
  );
}
