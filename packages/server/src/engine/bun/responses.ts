import type { ConnectionRefusal } from "../../rate-limit/connection-admission.js";
import { retryAfterSeconds, tooManyBody } from "../../rate-limit/http-refusal.js";
import type { HeaderMap } from "../cors.js";
import { EngineErrorCode, EngineErrorMessage, statusFor } from "../http-errors.js";

/** A HeaderMap (the `headers` hooks' shape) as Fetch headers; list values become repeats. */
export function fetchHeaders(map: HeaderMap): Headers {
  const headers = new Headers();
  for (const name in map) {
    const value = map[name] as string | string[];
    if (typeof value === "string") headers.set(name, value);
    else for (const v of value) headers.append(name, v);
  }
  return headers;
}

/**
 * A body for `new Response`: Node's Buffers and the codec's byte arrays are views on plain
 * (never shared) ArrayBuffers, which is what Fetch's typings ask for.
 */
export function responseBody(body: string | Uint8Array): string | Uint8Array<ArrayBuffer> {
  return body as string | Uint8Array<ArrayBuffer>;
}

/** `{code, message}` as JSON with `status`: the engine's refusals, as on Node. */
export function jsonError(
  status: number,
  code: number,
  message: string,
  extra?: HeaderMap,
): Response {
  const headers = fetchHeaders({ ...extra, "Content-Type": "application/json" });
  return new Response(JSON.stringify({ code, message }), { status, headers });
}

/** The engine.io refusal for `code` (400, or 403 for FORBIDDEN), with its standard message. */
export function engineError(code: EngineErrorCode, message?: string, extra?: HeaderMap): Response {
  return jsonError(statusFor(code), code, message ?? EngineErrorMessage[code], extra);
}

export const BAD_REQUEST = EngineErrorCode.BAD_REQUEST;

/** `response` with the CORS headers of its request added (they were decided before it). */
export function withHeaders(response: Response, extra: HeaderMap | undefined): Response {
  if (extra === undefined) return response;
  for (const name in extra) {
    const value = extra[name] as string | string[];
    if (typeof value === "string") response.headers.set(name, value);
    else for (const v of value) response.headers.append(name, v);
  }
  return response;
}

/** 429 for a handshake over `rateLimit.connections`: the Node front's body and Retry-After. */
export function tooManyResponse(refusal: ConnectionRefusal, extra?: HeaderMap): Response {
  const headers = fetchHeaders({
    ...extra,
    "Content-Type": "application/json",
    "Retry-After": retryAfterSeconds(refusal),
  });
  return new Response(tooManyBody(refusal), { status: 429, headers });
}
