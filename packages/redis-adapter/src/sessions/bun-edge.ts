import type { BunRelayedSocket } from "@parley/server/engine";
import { type EdgeLimits, HOP_BY_HOP, TOO_LARGE, UNKNOWN_SID } from "./edge.js";
import { readResponse, type TunnelResponse } from "./http-reader.js";
import type { Tunnel } from "./tunnel.js";
import { RelayedWebSocket } from "./ws-bridge.js";
import { handshakeKey } from "./ws-frames.js";

/**
 * The edge's half of a relayed exchange on Bun (what edge.ts does on Node): Bun hands the
 * engine Fetch requests and has no `node:http` client to put on a tunnel, so the request is
 * written as HTTP/1.1 here and the owner's answer read back (http-reader.ts). The owner
 * cannot tell it from a Node edge's.
 */

// About one hop, not the exchange (as edge.ts), plus what this edge sets itself.
const HOP_BY_HOP_HERE: ReadonlySet<string> = new Set([...HOP_BY_HOP, "content-length", "date"]);

/** A Buffer as a Fetch body: Node's Buffers are views on plain (never shared) ArrayBuffers. */
function bodyOf(bytes: Buffer): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

function json(status: number, body: string): Response {
  return new Response(body, { status, headers: { "Content-Type": "application/json" } });
}

/** The request line and end-to-end headers, with `extra` (already formatted) after them. */
function requestHead(request: Request, extra: string, skip?: (name: string) => boolean): Buffer {
  const url = new URL(request.url);
  let head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  request.headers.forEach((value, name) => {
    if (!HOP_BY_HOP_HERE.has(name) && skip?.(name) !== true) head += `${name}: ${value}\r\n`;
  });
  return Buffer.from(`${head}${extra}\r\n`, "latin1");
}

function responseHeaders(answer: TunnelResponse, skip?: (name: string) => boolean): Headers {
  const headers = new Headers();
  for (const [name, value] of answer.headers) {
    if (!HOP_BY_HOP_HERE.has(name) && skip?.(name) !== true) headers.append(name, value);
  }
  return headers;
}

/**
 * Reads the owner's answer, within `answerTimeout`, and gives up when the client goes away
 * (a long poll it abandoned: the owner learns it as it would locally, the tunnel closing).
 */
async function answerOf(
  tunnel: Tunnel,
  request: Request,
  limits: EdgeLimits,
  maxBody: number,
): Promise<TunnelResponse | null> {
  const timer = setTimeout(() => tunnel.destroy(), limits.answerTimeout);
  timer.unref?.();
  const abort = () => tunnel.destroy();
  request.signal.addEventListener("abort", abort);
  try {
    return await readResponse(tunnel, maxBody);
  } catch {
    tunnel.destroy();
    return null;
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener("abort", abort);
  }
}

/**
 * Relays one polling request. Bodies over `maxBody` get 413 before the owner sees a byte; an
 * owner gone before it answered gets the client 400 "Session ID unknown" (it reconnects).
 */
export async function fetchThroughTunnel(
  tunnel: Tunnel,
  request: Request,
  limits: EdgeLimits,
  maxAnswer: number,
): Promise<Response> {
  tunnel.on("error", () => {});
  if (Number(request.headers.get("content-length")) > limits.maxBody) {
    tunnel.destroy();
    return json(413, TOO_LARGE);
  }
  const body = request.body === null ? null : Buffer.from(await request.arrayBuffer());
  if (body !== null && body.length > limits.maxBody) {
    tunnel.destroy();
    return json(413, TOO_LARGE);
  }
  const length = body === null ? "" : `content-length: ${body.length}\r\n`;
  const head = requestHead(request, `${length}connection: close\r\n`);
  tunnel.write(body === null ? head : Buffer.concat([head, body]));
  // The owner's answers are polling payloads: bounded as the requests are, with room for
  // the packets a GET gathers (the owner's maxBufferedBytes shapes them; bounded per tunnel).
  const answer = await answerOf(tunnel, request, limits, maxAnswer);
  if (answer === null) return json(400, UNKNOWN_SID);
  tunnel.end(() => tunnel.destroy());
  const empty = answer.status === 204 || answer.status === 304;
  return new Response(empty ? null : bodyOf(answer.body), {
    status: answer.status,
    headers: responseHeaders(answer),
  });
}

/**
 * Relays a WebSocket upgrade: the owner's handshake answer first (its refusal goes back to
 * the client as it is), then, once the owner accepted, the connection to bridge (Bun upgrades
 * the client's request with it).
 */
export async function upgradeThroughTunnel(
  tunnel: Tunnel,
  request: Request,
  limits: EdgeLimits,
  maxBuffered: number,
): Promise<Response | BunRelayedSocket> {
  tunnel.on("error", () => {});
  const { key, accept } = handshakeKey();
  // No extensions towards the owner: the client's deflate, if any, is Bun's to negotiate.
  const head = requestHead(
    request,
    `connection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: ${key}\r\n`,
    (name) => name.startsWith("sec-websocket-"),
  );
  tunnel.write(head);
  const answer = await answerOf(tunnel, request, limits, limits.maxBody);
  if (answer === null) return json(400, UNKNOWN_SID);
  if (answer.status !== 101) {
    tunnel.destroy();
    return new Response(bodyOf(answer.body), {
      status: answer.status,
      headers: responseHeaders(answer),
    });
  }
  const accepted = answer.headers.find(([name]) => name === "sec-websocket-accept")?.[1];
  if (accepted !== accept) {
    tunnel.destroy();
    return json(400, UNKNOWN_SID);
  }
  const headers = responseHeaders(answer, (name) => name.startsWith("sec-websocket-"));
  return new RelayedWebSocket(tunnel, headers, answer.rest, maxBuffered);
}
