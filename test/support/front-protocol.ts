// Raw Engine.IO v4 over real HTTP and WebSocket, for the front conformance suite: what a
// client puts on the wire, with no client library in between, so both fronts (Node, Bun) are
// held to the same bytes, statuses and headers.
import { connect } from "node:net";
import WebSocket from "ws";

export const SEP = "\x1e";

/** `query` may set EIO itself (EIO=3&…): the first EIO in a query string is the one read. */
export function eioUrl(base: string, query: string, path = "socket.io"): string {
  return query.startsWith("EIO=") ? `${base}${path}/?${query}` : `${base}${path}/?EIO=4&${query}`;
}

export function wsUrl(base: string, query: string, path = "socket.io"): string {
  return eioUrl(base.replace(/^http/, "ws"), query, path);
}

/** Polls `predicate` until it holds (a safety net against hangs, not a performance bound). */
export async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface OpenPacket {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** A polling handshake; the response (its body read) and the OPEN packet. */
export async function handshake(
  base: string,
  headers: Record<string, string> = {},
): Promise<{ res: Response; open: OpenPacket }> {
  const res = await fetch(eioUrl(base, "transport=polling"), { headers });
  const body = await res.text();
  if (res.status !== 200 || !body.startsWith("0")) {
    throw new Error(`bad handshake: ${res.status} ${body}`);
  }
  return { res, open: JSON.parse(body.slice(1)) as OpenPacket };
}

export async function get(
  base: string,
  sid: string,
  init: RequestInit = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(eioUrl(base, `transport=polling&sid=${sid}`), init);
  return { status: res.status, body: await res.text() };
}

export async function post(
  base: string,
  sid: string,
  body: string,
): Promise<{ status: number; body: string }> {
  const res = await fetch(eioUrl(base, `transport=polling&sid=${sid}`), { method: "POST", body });
  return { status: res.status, body: await res.text() };
}

/** GETs until `count` packets came (a bounded number of polls), skipping noops. */
export async function getPackets(base: string, sid: string, count: number): Promise<string[]> {
  const packets: string[] = [];
  for (let i = 0; i < 10 && packets.length < count; i++) {
    const { status, body } = await get(base, sid);
    if (status !== 200) throw new Error(`GET answered ${status}: ${body}`);
    packets.push(...body.split(SEP).filter((p) => p !== "6"));
  }
  return packets;
}

export interface Frame {
  data: string | Buffer;
  binary: boolean;
}

export interface OpenWs {
  ws: WebSocket;
  frames: Frame[];
  /** Resolves with the close code once the connection ends. */
  closed: Promise<number>;
}

/** A WebSocket to the engine, collecting every frame from the first. */
export async function openWs(base: string, query: string, path?: string): Promise<OpenWs> {
  const ws = new WebSocket(wsUrl(base, query, path));
  const frames: Frame[] = [];
  ws.on("message", (data: Buffer, binary: boolean) => {
    frames.push({ data: binary ? data : data.toString(), binary });
  });
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, frames, closed };
}

/** The `n`th frame (0-based), once it came. */
export async function frame(open: OpenWs, n: number): Promise<Frame> {
  await until(() => open.frames.length > n, `WebSocket frame #${n}`);
  return open.frames[n] as Frame;
}

/** Sends a raw WebSocket upgrade request and returns what the server wrote (headers at least). */
export function rawUpgrade(
  port: number,
  query: string,
  headers: Record<string, string> = {},
  path = "socket.io",
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(data);
    }, 5000);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      data += chunk;
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) return;
      // A 101 is complete with its headers; an error has its body (Content-Length) to come.
      if (data.startsWith("HTTP/1.1 101")) return done();
      const length = /content-length: *(\d+)/i.exec(data.slice(0, end))?.[1];
      if (length !== undefined && Buffer.byteLength(data.slice(end + 4)) >= Number(length)) done();
    });
    socket.on("close", done);
    socket.on("error", reject);
    const all: Record<string, string> = {
      Host: `127.0.0.1:${port}`,
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      ...headers,
    };
    let req = `GET /${path}/?${query} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(all)) req += `${k}: ${v}\r\n`;
    socket.write(`${req}\r\n`);
  });
}

/** The status, headers (lower-cased names) and JSON body of a raw upgrade's response. */
export function parseUpgrade(response: string): {
  status: number;
  headers: Map<string, string>;
  body: unknown;
} {
  const end = response.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = response.slice(0, end < 0 ? undefined : end).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const status = Number(statusLine?.split(" ")[1]);
  // After a 101 come WebSocket frames, not a body.
  const body = end < 0 || status === 101 ? "" : response.slice(end + 4);
  return {
    status,
    headers,
    body: body === "" ? undefined : (JSON.parse(body) as unknown),
  };
}
