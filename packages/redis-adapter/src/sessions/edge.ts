import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { Duplex } from "node:stream";
import type { Tunnel } from "./tunnel.js";

/**
 * The edge's half of a relayed exchange: the node a request landed on, which does not own its
 * session, replays it through a tunnel to the owner and writes the owner's answer back.
 */

// Engine.IO's code 1: the client answers it with a new handshake, which is what we want when
// the owner is gone. Code 3 ("Bad request") is its generic refusal.
export const UNKNOWN_SID = JSON.stringify({ code: 1, message: "Session ID unknown" });
export const TOO_LARGE = JSON.stringify({ code: 3, message: "Payload too large" });

// Headers about one hop, not the exchange: the tunnel is its own connection.
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
]);

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function writeJson(res: ServerResponse, status: number, body: string, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: OutgoingHttpHeaders = {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  };
  if (close) headers.Connection = "close";
  res.writeHead(status, headers);
  res.end(body);
}

export interface EdgeLimits {
  /** Largest polling body relayed (the engine's maxHttpBufferSize). */
  readonly maxBody: number;
  /** Longest a relayed request may wait for its answer (a safety net: ms). */
  readonly answerTimeout: number;
}

/**
 * Relays one polling request. Bodies over `maxBody` get 413 here, before the owner sees a
 * byte; a request whose owner goes away before answering gets 400 "Session ID unknown", so
 * the client reconnects to a live node.
 */
export function forwardRequest(
  tunnel: Tunnel,
  req: IncomingMessage,
  res: ServerResponse,
  limits: EdgeLimits,
): void {
  const declared = Number(req.headers["content-length"]);
  if (declared > limits.maxBody) {
    tunnel.destroy();
    writeJson(res, 413, TOO_LARGE, true);
    req.resume();
    return;
  }
  let upstream: ReturnType<typeof httpRequest>;
  try {
    upstream = httpRequest({
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
      createConnection: () => tunnel,
    });
  } catch {
    // Node refused to write the request (a header it cannot serialize): as if unknown.
    tunnel.destroy();
    writeJson(res, 400, UNKNOWN_SID);
    req.resume();
    return;
  }
  let settled = false;
  const timer = setTimeout(() => upstream.destroy(), limits.answerTimeout);
  timer.unref();
  const settle = () => {
    settled = true;
    clearTimeout(timer);
  };
  upstream.on("response", (answer) => {
    settle();
    const headers = endToEnd(answer.headers);
    delete headers.date;
    res.writeHead(answer.statusCode ?? 502, headers);
    answer.pipe(res);
    answer.on("error", () => res.destroy());
  });
  upstream.on("error", () => {
    if (!settled) settle();
    writeJson(res, 400, UNKNOWN_SID);
  });
  // Our client left (e.g. during a long poll): the owner learns it the way it would locally.
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  let length = 0;
  req.on("data", (chunk: Buffer) => {
    length += chunk.length;
    if (length > limits.maxBody) {
      req.removeAllListeners("data");
      req.resume();
      upstream.destroy();
      settle();
      writeJson(res, 413, TOO_LARGE, true);
      return;
    }
    if (!upstream.write(chunk)) {
      req.pause();
      upstream.once("drain", () => req.resume());
    }
  });
  req.on("end", () => {
    if (length <= limits.maxBody) upstream.end();
  });
  req.on("error", () => upstream.destroy());
}

/** The upgrade request as it came, to be replayed at the owner (header bytes untouched). */
function requestHead(req: IncomingMessage): Buffer {
  let head = `${req.method ?? "GET"} ${req.url ?? "/"} HTTP/1.1\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, "latin1");
}

function refuseUpgrade(socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once("finish", () => socket.destroy());
  socket.end(
    "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(UNKNOWN_SID)}\r\n\r\n${UNKNOWN_SID}`,
  );
}

/**
 * Relays a WebSocket upgrade as raw bytes for the life of the connection: the owner's `ws`
 * does the handshake and the framing, the edge only copies bytes both ways (so binary frames,
 * fragmentation, close codes and the owner's maxPayload all hold, at no parsing cost here).
 * An owner that is gone before it answered gets the client a 400 "Session ID unknown";
 * after that, the client's connection is closed.
 */
export function forwardUpgrade(
  tunnel: Tunnel,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  let answered = false;
  tunnel.once("data", () => {
    answered = true;
  });
  tunnel.on("error", () => {});
  tunnel.on("close", () => {
    if (!answered) refuseUpgrade(socket);
    else if (tunnel.errored !== null) socket.destroy();
    // Closed in good order: pipe() has ended the socket; let it flush.
    else socket.end();
  });
  socket.on("close", () => tunnel.destroy());
  tunnel.write(head.length > 0 ? Buffer.concat([requestHead(req), head]) : requestHead(req));
  // pipe() applies backpressure both ways: a slow client pauses the tunnel (which then bounds
  // what piles up), slow Redis pauses the client's socket.
  tunnel.pipe(socket);
  socket.pipe(tunnel);
}
