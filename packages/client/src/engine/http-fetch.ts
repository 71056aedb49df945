import { Buffer } from "node:buffer";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { Readable } from "node:stream";

// Statuses whose Response may not have a body (the Response constructor throws otherwise).
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function toResponse(res: IncomingMessage, url: string): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  // append, not set: several Set-Cookie headers stay several (getSetCookie()).
  for (let i = 0; i + 1 < raw.length; i += 2)
    headers.append(raw[i] as string, raw[i + 1] as string);
  const status = res.statusCode ?? 0;
  const body = NULL_BODY.has(status)
    ? null
    : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
  if (body === null) res.resume();
  const response = new Response(body, { status, statusText: res.statusMessage ?? "", headers });
  // Response.url is read-only and empty for a constructed Response; the cookie jar reads it.
  Object.defineProperty(response, "url", { value: url });
  return response;
}

/**
 * The part of `fetch` long-polling uses (method, headers, a string body, an abort signal),
 * on `node:http`, for what Node's own fetch cannot do: with `autoUnref`, the request's socket
 * is unref'd, so a long-poll waiting for the server does not keep the process alive (as
 * engine.io-client's XMLHttpRequest for Node does).
 */
export function unrefFetch(url: string, init: RequestInit): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers = Object.fromEntries(new Headers(init.headers));
    const body = typeof init.body === "string" ? init.body : undefined;
    if (body !== undefined) {
      headers["content-type"] ??= "text/plain;charset=UTF-8";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    const request = url.startsWith("https:") ? httpsRequest : httpRequest;
    const options = { method: init.method ?? "GET", headers, signal: init.signal ?? undefined };
    const req = request(url, options, (res) => resolve(toResponse(res, url)));
    // Also a kept-alive socket the agent hands out again, which it ref()s first.
    req.on("socket", (socket: Socket) => socket.unref());
    req.on("error", reject);
    req.end(body);
  });
}
