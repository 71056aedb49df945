import { EventEmitter } from "node:events";
import type { OutgoingHttpHeaders } from "node:http";
import { type HeaderValue, headersSent, MiddlewareHeaders } from "./middleware-headers.js";

/** The callback among `end()`'s optional arguments, as Node's `res.end` finds it. */
export function endCallback(...args: unknown[]): (() => void) | undefined {
  return args.find((a) => typeof a === "function") as (() => void) | undefined;
}

/**
 * What both fronts' stand-in responses for `engine.use()` middlewares share, where the runtime
 * has no ServerResponse (a WebSocket upgrade on Node: `UpgradeResponse`; any request on Bun:
 * `BunMiddlewareResponse`): Node's header API and `writeHead`, the body a middleware writes,
 * and its events. How the answer goes out, and when the head is fixed, is each front's.
 */
export abstract class MiddlewareResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = "";
  protected readonly headers = new MiddlewareHeaders();
  /** What middlewares wrote (`write`, `end`), as bytes. */
  protected readonly body: Buffer[] = [];
  protected readonly report: (error: unknown) => void;

  constructor(report: (error: unknown) => void) {
    super();
    this.report = report;
  }

  /** Whether the head is fixed: headers can no longer change. */
  abstract get headersSent(): boolean;

  /** `writeHead` ran: the head is fixed from now on. */
  protected abstract headWritten(): void;

  setHeader(name: string, value: HeaderValue): this {
    if (this.headersSent) throw headersSent("set");
    this.headers.set(name, value);
    return this;
  }

  appendHeader(name: string, value: string | readonly string[]): this {
    return this.setHeader(name, this.headers.appended(name, value));
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.headers.get(name);
  }

  getHeaders(): Record<string, HeaderValue> {
    return this.headers.all();
  }

  getHeaderNames(): string[] {
    return this.headers.names();
  }

  hasHeader(name: string): boolean {
    return this.headers.has(name);
  }

  removeHeader(name: string): void {
    if (this.headersSent) throw headersSent("remove");
    this.headers.delete(name);
  }

  writeHead(
    statusCode?: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | readonly string[],
    headers?: OutgoingHttpHeaders | readonly string[],
  ): this {
    if (this.headersSent) throw headersSent("write");
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
    this.headWritten();
    return this;
  }

  flushHeaders(): void {}

  /** Keeps a chunk a middleware wrote, as bytes (strings in `encoding`, UTF-8 by default). */
  protected bufferChunk(
    chunk: string | Uint8Array,
    encoding?: BufferEncoding | (() => void),
  ): void {
    this.body.push(
      typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8")
        : Buffer.from(chunk),
    );
  }

  /** Emits `finish` or `close`; a listener's throw is reported, not raised into the engine. */
  protected emitSafely(event: "finish" | "close"): void {
    try {
      this.emit(event);
    } catch (error) {
      this.report(error);
    }
  }
}
