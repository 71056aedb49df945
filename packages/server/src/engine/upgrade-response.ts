import { EventEmitter } from "node:events";
import { type IncomingMessage, type OutgoingHttpHeaders, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { HeaderMap } from "./cors.js";
import { writeRawResponse } from "./http-errors.js";
import { type HeaderValue, headersSent, MiddlewareHeaders } from "./middleware-headers.js";

// Node's rule for a reason phrase: no control characters, so no CR/LF injection.
const INVALID_REASON = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * open: middlewares may set headers · head: a status was chosen (`writeHead`/`write`) ·
 * ended: the middleware answered, the upgrade is refused · accepted: ws owns the socket.
 */
type State = "open" | "head" | "ended" | "accepted";

/**
 * The `res` middlewares get on a WebSocket upgrade, where Node gives no ServerResponse: the part
 * of its API middleware uses (headers, `statusCode`, `writeHead`, `write`, `end`, `finish` and
 * `close` events), as engine.io's `WebSocketResponse`.
 *
 * - Headers a middleware sets go out with the 101 if the upgrade goes ahead (engine.io does the
 *   same): `express-session`'s `Set-Cookie`, `helmet`'s headers. Before handing the socket to
 *   ws, the engine calls `writeHead()` (`commit`), which is when `express-session` (through
 *   `on-headers`) sets its cookie.
 * - `end()` from a middleware refuses the upgrade with that response (status, headers, body),
 *   written on the raw socket, which is then destroyed. engine.io only destroys the socket;
 *   the status makes the refusal readable to clients and logs.
 * - After the upgrade, `end()` and friends do nothing: the socket is the WebSocket's.
 *
 * Created only when there are middlewares; it lets go of the socket once the upgrade is done.
 */
export class UpgradeResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = "";
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly #headers = new MiddlewareHeaders();
  readonly #body: Buffer[] = [];
  readonly #report: (error: unknown) => void;
  #state: State = "open";

  constructor(req: IncomingMessage, socket: Duplex, report: (error: unknown) => void) {
    super();
    this.req = req;
    this.socket = socket;
    this.#report = report;
    // Logging middleware (pino-http…) waits for the response's `close`.
    socket.once("close", this.#onSocketClose);
  }

  get headersSent(): boolean {
    return this.#state !== "open";
  }

  get writableEnded(): boolean {
    return this.#state === "ended";
  }

  get finished(): boolean {
    return this.#state === "ended";
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.#state !== "open") throw headersSent("set");
    this.#headers.set(name, value);
    return this;
  }

  appendHeader(name: string, value: string | readonly string[]): this {
    return this.setHeader(name, this.#headers.appended(name, value));
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.#headers.get(name);
  }

  getHeaders(): Record<string, HeaderValue> {
    return this.#headers.all();
  }

  getHeaderNames(): string[] {
    return this.#headers.names();
  }

  hasHeader(name: string): boolean {
    return this.#headers.has(name);
  }

  removeHeader(name: string): void {
    if (this.#state !== "open") throw headersSent("remove");
    this.#headers.delete(name);
  }

  writeHead(
    statusCode?: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | readonly string[],
    headers?: OutgoingHttpHeaders | readonly string[],
  ): this {
    if (this.#state !== "open") throw headersSent("write");
    if (statusCode !== undefined) this.statusCode = statusCode;
    let extra = headers;
    if (typeof reasonOrHeaders === "string") this.statusMessage = reasonOrHeaders;
    else if (reasonOrHeaders !== undefined) extra = reasonOrHeaders;
    if (Array.isArray(extra)) {
      for (let i = 0; i + 1 < extra.length; i += 2) {
        this.setHeader(extra[i] as string, extra[i + 1] as string);
      }
    } else if (extra !== undefined) {
      for (const [name, value] of Object.entries(extra as OutgoingHttpHeaders)) {
        if (value !== undefined) this.setHeader(name, value);
      }
    }
    this.#state = "head";
    return this;
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | (() => void)): boolean {
    if (this.#state === "ended" || this.#state === "accepted") return false;
    this.#state = "head";
    this.#body.push(
      typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8")
        : Buffer.from(chunk),
    );
    return true;
  }

  end(
    chunk?: string | Uint8Array | (() => void),
    encoding?: BufferEncoding | (() => void),
    callback?: () => void,
  ): this {
    const done = [chunk, encoding, callback].find((a) => typeof a === "function") as
      | (() => void)
      | undefined;
    if (this.#state === "ended" || this.#state === "accepted") {
      done?.();
      return this;
    }
    if (typeof chunk === "string" || chunk instanceof Uint8Array) {
      this.write(chunk, typeof encoding === "string" ? encoding : undefined);
    }
    const status = this.statusCode;
    const reason = this.statusMessage || STATUS_CODES[status] || "";
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new RangeError(`Invalid status code: ${String(status)}`);
    }
    if (INVALID_REASON.test(reason)) throw new TypeError("Invalid character in statusMessage");
    this.#state = "ended";
    let lines = "";
    for (const [, name, values] of this.#headers.forAnswer()) {
      for (const v of values) lines += `${name}: ${v}\r\n`;
    }
    writeRawResponse(this.socket, status, reason, lines, Buffer.concat(this.#body));
    this.#emit("finish");
    done?.();
    return this;
  }

  flushHeaders(): void {}

  /**
   * The engine is handing the socket to ws: `writeHead()` (through any hook a middleware put on
   * it) fixes the headers for the 101.
   */
  commit(): void {
    if (this.#state !== "open") return;
    this.statusCode = 101;
    try {
      this.writeHead();
    } catch (error) {
      this.#report(error);
    }
    this.#state = "head";
  }

  /** Adds the headers middlewares set to the 101's (ws's `headers` event). */
  copyHeadersTo(headers: HeaderMap): void {
    Object.assign(headers, this.#headers.toHeaderMap());
  }

  /** ws wrote the 101: the response is complete, and the socket is no longer ours to watch. */
  accepted(): void {
    this.release();
    this.#state = "accepted";
    this.#emit("finish");
    this.#emit("close");
  }

  /** Stops watching the socket (it now belongs to ws, or to the session relay). */
  release(): void {
    this.socket.off("close", this.#onSocketClose);
  }

  readonly #onSocketClose = (): void => this.#emit("close");

  #emit(event: "finish" | "close"): void {
    try {
      this.emit(event);
    } catch (error) {
      this.#report(error);
    }
  }
}
