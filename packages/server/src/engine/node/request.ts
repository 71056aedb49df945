import type { IncomingMessage } from "node:http";
import { parseQuery, type RequestRecord } from "../core/request.js";

/** The core's view of a Node request (one small object per HTTP request or upgrade). */
export function nodeRequest(req: IncomingMessage): RequestRecord<IncomingMessage> {
  const url = req.url ?? "/";
  return {
    method: req.method ?? "GET",
    url,
    query: parseQuery(url),
    headers: req.headers,
    remoteAddress: req.socket?.remoteAddress ?? "",
    native: req,
  };
}
