import type { IncomingHttpHeaders } from "node:http";
import { sharedString, shareHeaderValues } from "../handshake-request.js";

/** The one header whose value may differ between handshakes that share a template. */
const KEY = "sec-websocket-key";

/**
 * The headers of handshakes that sent the same names, in the same order, with the same
 * values, but for their `sec-websocket-key` (unique per WebSocket handshake): one client
 * library, or one browser, sends that for every connection. Shared by every session whose
 * headers match it, so such a session keeps its key instead of a headers object (64 B and up
 * in JavaScriptCore). Its values are shared strings; it is never handed out or changed.
 */
export class HeaderTemplate {
  readonly #names: readonly string[];
  readonly #values: readonly string[];
  /** Where `sec-websocket-key` is in `#names`; -1 when the handshakes have none (polling). */
  readonly #keyAt: number;

  constructor(names: readonly string[], values: readonly string[], keyAt: number) {
    this.#names = names;
    this.#values = values;
    this.#keyAt = keyAt;
  }

  /**
   * Whether `headers` are this template's, its key aside: the same names in the same order,
   * equal string values. Reads `headers` only; makes nothing.
   */
  matches(headers: IncomingHttpHeaders): boolean {
    const names = this.#names;
    const values = this.#values;
    let i = 0;
    for (const name in headers) {
      if (names[i] !== name) return false;
      const value = headers[name];
      if (typeof value !== "string") return false;
      if (i !== this.#keyAt && value !== values[i]) return false;
      i++;
    }
    return i === names.length;
  }

  /** A headers object equal to the handshake's: these values, with its own key. */
  build(key: string | undefined): IncomingHttpHeaders {
    const headers: IncomingHttpHeaders = {};
    const names = this.#names;
    const values = this.#values;
    for (let i = 0; i < names.length; i++) {
      headers[names[i] as string] = i === this.#keyAt ? key : values[i];
    }
    return headers;
  }
}

/** The template the last handshakes matched: the next one most likely matches it too. */
let lastTemplate: HeaderTemplate | null = null;
/**
 * The headers of the last session kept that matched no template: a template is made only
 * when a second session sends the same (so a client with unique headers, a cookie per
 * browser, keeps its own headers object as before, with no template beside it).
 */
let lastHeaders: IncomingHttpHeaders | null = null;

/**
 * What a session keeps of its handshake's headers: a shared template (its key apart: see
 * `keyOf`), or the headers object itself (with its values swapped for shared strings, as
 * the Node front does) when no other session sent the same.
 */
export function keepHeaders(headers: IncomingHttpHeaders): HeaderTemplate | IncomingHttpHeaders {
  if (lastTemplate?.matches(headers)) return lastTemplate;
  const previous = lastHeaders;
  if (previous !== null && sameButKey(previous, headers)) {
    const template = templateOf(headers);
    if (template !== null) {
      lastTemplate = template;
      lastHeaders = null;
      return template;
    }
  }
  shareHeaderValues(headers);
  lastHeaders = headers;
  return headers;
}

/** The value a template leaves to each session: its `sec-websocket-key`, if any. */
export function keyOf(headers: IncomingHttpHeaders): string | undefined {
  const key = headers[KEY];
  return typeof key === "string" ? key : undefined;
}

/** Whether two headers objects have the same names, in order, and values but for the key. */
function sameButKey(a: IncomingHttpHeaders, b: IncomingHttpHeaders): boolean {
  const names = Object.keys(a);
  let i = 0;
  for (const name in b) {
    if (names[i] !== name) return false;
    if (name !== KEY && a[name] !== b[name]) return false;
    i++;
  }
  return i === names.length;
}

/** A template of `headers` (string values only: an array value is not shared). */
function templateOf(headers: IncomingHttpHeaders): HeaderTemplate | null {
  const names: string[] = [];
  const values: string[] = [];
  let keyAt = -1;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value !== "string") return null;
    if (name === KEY) keyAt = names.length;
    names.push(sharedString(name));
    values.push(name === KEY ? "" : sharedString(value));
  }
  return new HeaderTemplate(names, values, keyAt);
}
