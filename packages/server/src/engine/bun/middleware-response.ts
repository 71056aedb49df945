import type { OutgoingHttpHeaders } from "node:http";
import type { HeaderMap } from "../cors.js";
import { endCallback, MiddlewareResponse } from "../middleware-response.js";
import type { BunRequestRecord } from "./request-record.js";
import { responseBody } from "./responses.js";
import { streamedAnswers } from "./unsent-answers.js";

/**
 * The `res` of `engine.use()` middlewares on Bun, where there is no ServerResponse: the part of
 * its API middleware uses (headers, `statusCode`, `writeHead`, `write`, `end`, `finish`), as
 * the Node front's `UpgradeResponse`, ending in a Fetch `Response`.
 *
 * - A middleware that answers (`res.writeHead(401).end()`) makes the request's Response.
 * - Otherwise the engine's answer is played through it (`play`): `writeHead` with the
 *   engine's status and headers, then `end` with its body. So hooks middleware put on those
 *   (`express-session`'s `on-headers` cookie, its save-before-end) run as on Node, and headers
 *   middlewares set join the answer.
 * - On an upgrade, `commit` runs `writeHead` (the hooks) and the headers go on the 101.
 *
 * Created only when there are middlewares.
 */
export class BunMiddlewareResponse extends MiddlewareResponse {
  readonly req: BunRequestRecord;
  /** Settles when `end` ran (maybe late: express-session saves the session first). */
  readonly response: Promise<Response>;
  #resolve!: (response: Response) => void;
  #head = false;
  #ended = false;
  /** The engine's counted stream body (a large polling answer), passed on unread. */
  #stream: ReadableStream<Uint8Array> | null = null;

  constructor(req: BunRequestRecord, report: (error: unknown) => void) {
    super(report);
    this.req = req;
    this.response = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get headersSent(): boolean {
    return this.#head;
  }

  /** Node's internal "head written" mark, which express-session reads. */
  get _header(): boolean {
    return this.#head;
  }

  get writableEnded(): boolean {
    return this.#ended;
  }

  get finished(): boolean {
    return this.#ended;
  }

  protected headWritten(): void {
    this.#head = true;
  }

  /** Node's implicit head (a write before writeHead): express-session calls it. */
  _implicitHeader(): void {
    this.writeHead(this.statusCode);
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | (() => void)): boolean {
    if (this.#ended) return false;
    if (!this.#head) this.writeHead(this.statusCode);
    this.bufferChunk(chunk, encoding);
    return true;
  }

  end(
    chunk?: string | Uint8Array | (() => void),
    encoding?: BufferEncoding | (() => void),
    callback?: () => void,
  ): this {
    const done = endCallback(chunk, encoding, callback);
    if (this.#ended) {
      done?.();
      return this;
    }
    if (typeof chunk === "string" || chunk instanceof Uint8Array) {
      this.write(chunk, typeof encoding === "string" ? encoding : undefined);
    }
    if (!this.#head) this.writeHead(this.statusCode);
    this.#ended = true;
    const status = this.statusCode;
    const empty = status === 204 || status === 304 || this.body.length === 0;
    const body = empty ? null : responseBody(Buffer.concat(this.body));
    const headers = this.#fetchHeaders();
    const stream = this.#stream;
    if (stream !== null) {
      const length = this.getHeader("content-length");
      if (length !== undefined) headers.set("content-length", String(length));
    }
    this.#resolve(new Response(stream ?? body, { status, headers }));
    this.emitSafely("finish");
    this.emitSafely("close");
    done?.();
    return this;
  }

  /**
   * Plays the engine's answer through this response (its hooks run), resolving with the
   * Response as it ends. Once the head went out (a committed upgrade), the answer is final.
   */
  async play(answer: Response): Promise<Response> {
    if (this.#head) return answer;
    const head: OutgoingHttpHeaders = {};
    answer.headers.forEach((value, name) => {
      if (name !== "set-cookie") head[name] = value;
    });
    const cookies = answer.headers.getSetCookie();
    if (cookies.length > 0) head["set-cookie"] = cookies;
    const stream = streamedAnswers.get(answer);
    if (stream !== undefined) {
      // Hooks run on writeHead and end as for any answer; the body goes on unread.
      this.#stream = stream;
      try {
        this.writeHead(answer.status, head);
        this.end();
      } catch (error) {
        this.report(error);
        if (!this.#ended) return answer;
      }
      return this.response;
    }
    const body = new Uint8Array(await answer.arrayBuffer());
    try {
      this.writeHead(answer.status, head);
      this.end(body.length === 0 ? undefined : body);
    } catch (error) {
      // A middleware's hook threw: the engine's answer still goes out.
      this.report(error);
      if (!this.#ended) return answer;
    }
    return this.response;
  }

  /**
   * The upgrade goes ahead: `writeHead()` (through any hook a middleware put on it) fixes the
   * headers, returned for the 101.
   */
  commit(): HeaderMap {
    if (!this.#head) {
      this.statusCode = 101;
      try {
        this.writeHead();
      } catch (error) {
        this.report(error);
      }
      this.#head = true;
    }
    return this.headers.toHeaderMap();
  }

  #fetchHeaders(): Headers {
    const headers = new Headers();
    for (const [key, , values] of this.headers.forAnswer()) {
      for (const v of values) headers.append(key, v);
    }
    return headers;
  }
}
