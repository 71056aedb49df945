import { Buffer } from "node:buffer";
import { request as httpRequest, type OutgoingHttpHeaders, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { ProtocolError } from "@parley/protocol";
import type { CookieJar } from "./cookie-jar.js";
import type { NodeConnectOptions } from "./options.js";
import type { HttpRequest, HttpResponse, Platform } from "./platform.js";

/** Statuses after which a request is repeated at `Location`, as `fetch` does. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** `fetch`'s limit. */
const MAX_REDIRECTS = 20;

export interface NodeRequestOptions {
  /** TLS options and `agent`, as the user gave them (`https.request`'s names). */
  connect: NodeConnectOptions;
  /** Unref each request's socket: a long-poll waiting for the server keeps no process alive. */
  autoUnref: boolean;
  /** With `withCredentials`: cookies go with each request and are kept from each response. */
  jar: CookieJar | undefined;
}

const tooLarge = (max: number) =>
  new ProtocolError("PACKET_TOO_LARGE", `polling response exceeds maxPayload (${max})`);

/**
 * Node's long-polling requests, on `node:http(s)` rather than the global `fetch`, which can
 * do none of this: TLS options (`ca`, `cert`, `key`, `pfx`, `passphrase`, `ciphers`,
 * `rejectUnauthorized`) and `agent`, as engine.io-client's XMLHttpRequest for Node takes them;
 * sockets unref'd with `autoUnref`; the Manager's cookie jar. It also spares a client process
 * the load of undici, which Node 20 compiles on the first `fetch` (tens of ms before the first
 * connection). The response body is read up to `maxPayload` bytes, then the request is dropped.
 */
export function nodeRequest(opts: NodeRequestOptions): Platform["request"] {
  const { connect, autoUnref, jar } = opts;
  const send = (url: string, req: HttpRequest, max: number, redirects: number): HttpResponse =>
    new Promise((resolve, reject) => {
      // Lower-case names: one `cookie` and one `content-type`, whatever case extraHeaders used.
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
      const cookies = jar?.header(url);
      if (cookies !== undefined) {
        headers.cookie = headers.cookie ? `${headers.cookie}; ${cookies}` : cookies;
      }
      const { body } = req;
      if (body !== null) {
        headers["content-type"] ??= "text/plain;charset=UTF-8";
        headers["content-length"] = Buffer.byteLength(body);
      }
      const request = url.startsWith("https:") ? httpsRequest : httpRequest;
      // The user's agent is an http(s).Agent (typed loosely in the shared option types).
      const options = {
        ...(connect as RequestOptions),
        method: req.method,
        headers,
        signal: req.signal,
      };
      const r = request(url, options, (res) => {
        jar?.store(url, res.headers["set-cookie"] ?? []);
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (REDIRECTS.has(status) && location !== undefined && redirects < MAX_REDIRECTS) {
          res.resume();
          // 307 and 308 repeat the request as it was; the others become a GET, as in fetch.
          const next =
            status === 307 || status === 308 ? req : { ...req, method: "GET" as const, body: null };
          resolve(send(new URL(location, url).href, next, max, redirects + 1));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const fail = (err: Error) => {
          res.destroy();
          reject(err);
        };
        // A declared length past the limit fails before a byte is read.
        if (Number(res.headers["content-length"]) > max) return fail(tooLarge(max));
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > max) fail(tooLarge(max));
          else chunks.push(chunk);
        });
        res.on("end", () => resolve([status, Buffer.concat(chunks).toString("utf8")]));
        // Cut off mid-body (aborted, the server gone): "end" never comes.
        res.on("close", () => {
          if (!res.complete) reject(new Error("polling response closed prematurely"));
        });
      });
      // Also a kept-alive socket the agent hands out again, which it ref()s first.
      if (autoUnref) r.on("socket", (socket: Socket) => socket.unref());
      r.on("error", reject);
      r.end(body ?? undefined);
    });
  return (url, req, max) => send(url, req, max, 0);
}
