import { validateHeaderName, validateHeaderValue } from "node:http";

/** A header's value as `res.setHeader` takes it. */
export type HeaderValue = number | string | readonly string[];

/**
 * Headers about the connection or the body's framing, which the engine (ws, or Bun) writes
 * itself: a middleware's value would corrupt the 101 or the answer.
 */
const FRAMING: ReadonlySet<string> = new Set([
  "connection",
  "upgrade",
  "content-length",
  "transfer-encoding",
  "sec-websocket-accept",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
]);

/** Node's error for a header change once the head is written. */
export function headersSent(action: string): Error {
  return Object.assign(new Error(`Cannot ${action} headers after they are sent to the client`), {
    code: "ERR_HTTP_HEADERS_SENT",
  });
}

/**
 * The headers `engine.use()` middlewares set on the stand-in responses both fronts give them
 * where the runtime has no ServerResponse (`UpgradeResponse` on Node, `BunMiddlewareResponse`
 * on Bun): Node's header API, validated as Node validates, keyed case-insensitively with the
 * name kept as set. When headers may still change is the response's business, not this one's.
 */
export class MiddlewareHeaders {
  readonly #headers = new Map<string, { name: string; value: HeaderValue }>();

  set(name: string, value: HeaderValue): void {
    validateHeaderName(name);
    if (typeof value === "object") for (const v of value) validateHeaderValue(name, v);
    else validateHeaderValue(name, String(value));
    this.#headers.set(name.toLowerCase(), { name, value });
  }

  /** The value after appending `value` to what is set (to pass to `set`). */
  appended(name: string, value: string | readonly string[]): HeaderValue {
    const prior = this.get(name);
    if (prior === undefined) return value;
    const before: readonly string[] = typeof prior === "object" ? prior : [String(prior)];
    return before.concat(value);
  }

  get(name: string): HeaderValue | undefined {
    return this.#headers.get(name.toLowerCase())?.value;
  }

  all(): Record<string, HeaderValue> {
    const out: Record<string, HeaderValue> = Object.create(null);
    for (const [key, { value }] of this.#headers) out[key] = value;
    return out;
  }

  names(): string[] {
    return [...this.#headers.keys()];
  }

  has(name: string): boolean {
    return this.#headers.has(name.toLowerCase());
  }

  delete(name: string): void {
    this.#headers.delete(name.toLowerCase());
  }

  /**
   * The headers that may go out with the engine's answer — framing ones are the engine's —
   * as (lower-cased key, name as set, values).
   */
  *forAnswer(): Generator<[key: string, name: string, values: readonly string[]]> {
    for (const [key, { name, value }] of this.#headers) {
      if (FRAMING.has(key)) continue;
      yield [key, name, typeof value === "object" ? value : [String(value)]];
    }
  }

  /** `forAnswer` as a header map (the 101's, or a Bun answer's). */
  toHeaderMap(): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = {};
    for (const [key, { name, value }] of this.#headers) {
      if (FRAMING.has(key)) continue;
      headers[name] = typeof value === "object" ? [...value] : String(value);
    }
    return headers;
  }
}
