import { ProtocolError } from "@parley/protocol";
import type { HttpRequest, HttpResponse } from "./platform.js";

/**
 * Browsers' long-polling request, on `fetch` (no XMLHttpRequest; a string body goes as
 * text/plain). The body is read chunk by chunk so that a hostile or broken server cannot make
 * the client buffer more than `max` bytes: past it (declared in Content-Length, or counted),
 * this throws PACKET_TOO_LARGE and the caller's abort drops the connection.
 */
export async function fetchRequest(url: string, req: HttpRequest, max: number): HttpResponse {
  const res = await fetch(url, req);
  const reader = res.body?.getReader();
  const chunks: BlobPart[] = [];
  // A declared length past the limit fails before a byte is read.
  let size = Number(res.headers.get("content-length")) > max ? max + 1 : 0;
  // Bounded: each read ends the stream or adds bytes to `size`, which stops at `max`.
  while (size <= max) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) return [res.status, await new Blob(chunks).text()];
    size += chunk.value.byteLength;
    chunks.push(chunk.value);
  }
  throw new ProtocolError("PACKET_TOO_LARGE", `polling response exceeds maxPayload (${max})`);
}
