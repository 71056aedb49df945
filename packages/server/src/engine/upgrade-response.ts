import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { HeaderMap } from "./cors.js";
import { writeRawResponse } from "./http-errors.js";
import { endCallback, MiddlewareResponse } from "./middleware-response.js";

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
export class UpgradeResponse extends MiddlewareResponse {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  #state: State = "open";

  constructor(req: IncomingMessage, socket: Duplex, report: (error: unknown) => void) {
    super(report);
    this.req = req;
    this.socket = socket;
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

  protected headWritten(): void {
    this.#state = "head";
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | (() => void)): boolean {
    if (this.#state === "ended" || this.#state === "accepted") return false;
    this.#state = "head";
    this.bufferChunk(chunk, encoding);
    return true;
  }

  end(
    chunk?: string | Uint8Array | (() => void),
    encoding?: BufferEncoding | (() => void),
    callback?: () => void,
  ): this {
    const done = endCallback(chunk, encoding, callback);
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
    for (const [, name, values] of this.headers.forAnswer()) {
      for (const v of values) lines += `${name}: ${v}\r\n`;
    }
    writeRawResponse(this.socket, status, reason, lines, Buffer.concat(this.body));
    this.emitSafely("finish");
    done?.();
    return this;
  }

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
      this.report(error);
    }
    this.#state = "head";
  }

  /** Adds the headers middlewares set to the 101's (ws's `headers` event). */
  copyHeadersTo(headers: HeaderMap): void {
    Object.assign(headers, this.headers.toHeaderMap());
  }

  /** ws wrote the 101: the response is complete, and the socket is no longer ours to watch. */
  accepted(): void {
    this.release();
    this.#state = "accepted";
    this.emitSafely("finish");
    this.emitSafely("close");
  }

  /** Stops watching the socket (it now belongs to ws, or to the session relay). */
  release(): void {
    this.socket.off("close", this.#onSocketClose);
  }

  readonly #onSocketClose = (): void => this.emitSafely("close");
}
