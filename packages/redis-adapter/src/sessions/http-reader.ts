import type { Duplex } from "node:stream";

/** An HTTP/1.1 response as read off a tunnel by the Bun edge (it has no `node:http` client). */
export interface TunnelResponse {
  readonly status: number;
  /** Header names lower-cased, in order, repeats kept. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body (de-chunked); empty for a 101. */
  readonly body: Buffer;
  /** Bytes after the head of a 101: the first WebSocket frames. */
  readonly rest: Buffer;
}

/** Past this, a response head is not what an Engine.IO owner sends: the tunnel is dropped. */
const MAX_HEAD = 64 * 1024;

class Malformed extends Error {}

function parseHead(text: string): { status: number; headers: [string, string][] } {
  const lines = text.split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  if (match === null) throw new Malformed(`not an HTTP response: ${lines[0]}`);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { status: Number(match[1]), headers };
}

/** A chunked body, or undefined while incomplete. */
function dechunk(data: Buffer, limit: number): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  let total = 0;
  for (;;) {
    const eol = data.indexOf("\r\n", at);
    if (eol === -1) return undefined;
    const size = Number.parseInt(data.toString("latin1", at, eol), 16);
    if (!Number.isFinite(size) || size < 0) throw new Malformed("bad chunk size");
    if (size === 0) return data.indexOf("\r\n", eol + 2) === -1 ? undefined : Buffer.concat(parts);
    total += size;
    if (total > limit) throw new Malformed("response body over the limit");
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * Reads one response from `stream`: the head, then (unless it is a 101) the body by
 * Content-Length, chunked, or up to the end of the stream. Rejects when the stream ends or
 * fails first, or the response is malformed or over `maxBody`.
 */
export function readResponse(stream: Duplex, maxBody: number): Promise<TunnelResponse> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    let head: { status: number; headers: [string, string][]; end: number } | undefined;
    let settled = false;
    const done = (error: Error | null, response?: TunnelResponse) => {
      if (settled) return;
      settled = true;
      // Bytes after a 101 are WebSocket frames for whoever reads next: hold them.
      stream.pause();
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("close", onEnd);
      stream.off("error", onError);
      if (error !== null) reject(error);
      else resolve(response as TunnelResponse);
    };
    const header = (name: string) => head?.headers.find(([n]) => n === name)?.[1];
    const tryBody = (ended: boolean) => {
      if (head === undefined) return;
      const body = buffered.subarray(head.end);
      if (head.status === 101) {
        done(null, { status: 101, headers: head.headers, body: Buffer.alloc(0), rest: body });
        return;
      }
      const noBody = head.status === 204 || head.status === 304;
      const length = header("content-length");
      let complete: Buffer | undefined;
      if (noBody) complete = Buffer.alloc(0);
      else if (header("transfer-encoding")?.toLowerCase().includes("chunked")) {
        complete = dechunk(body, maxBody);
      } else if (length !== undefined) {
        const n = Number(length);
        if (!(n >= 0) || n > maxBody) throw new Malformed("bad Content-Length");
        if (body.length >= n) complete = body.subarray(0, n);
      } else if (ended) complete = body;
      if (complete !== undefined) {
        done(null, {
          status: head.status,
          headers: head.headers,
          body: complete,
          rest: Buffer.alloc(0),
        });
      } else if (body.length > maxBody + MAX_HEAD) throw new Malformed("response over the limit");
      else if (ended) throw new Malformed("the stream ended within the response");
    };
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        if (head === undefined) {
          const end = buffered.indexOf("\r\n\r\n");
          if (end === -1) {
            if (buffered.length > MAX_HEAD) throw new Malformed("response head too large");
            return;
          }
          head = { ...parseHead(buffered.toString("latin1", 0, end)), end: end + 4 };
        }
        tryBody(false);
      } catch (error) {
        done(error as Error);
      }
    };
    const onEnd = () => {
      try {
        if (head === undefined) throw new Malformed("the stream ended before a response");
        tryBody(true);
      } catch (error) {
        done(error as Error);
      }
    };
    const onError = (error: Error) => done(error);
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("close", onEnd);
    stream.on("error", onError);
  });
}
