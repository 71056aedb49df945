import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { RequestRecord } from "./request.js";

/**
 * What ties a session to the client that made it, so that knowing its `sid` is not enough
 * to take it over (a sid is a bearer token in Engine.IO: it travels in URLs, logs, Referer).
 *
 * - `"cookie"`: the polling handshake sets an HttpOnly cookie (`io_bind`, a random token and
 *   its HMAC); every later polling request and the WebSocket upgrade must carry it.
 * - `"address"`: every later request must come from the handshake's remote address. Breaks
 *   clients whose address changes mid-session (mobile networks, some proxies and NATs), and
 *   binds to nothing behind a reverse proxy that all clients share.
 * - `false` (default): Engine.IO's behaviour, the sid alone names the session.
 */
export type SessionBindingMode = "address" | "cookie";

/** The binding cookie's attributes: the front's cookie options (Node: the `cookie` option's). */
export interface BindingCookie {
  readonly name?: string;
}

export interface SessionBindingOptions<Cookie extends BindingCookie = BindingCookie> {
  readonly mode: SessionBindingMode;
  /**
   * Key of the cookie's HMAC. Default: 32 random bytes drawn once per process. Give every
   * node of a cluster the same secret: a browser then keeps one cookie for all of them (with
   * a key per process, a handshake on another node replaces the cookie and the sessions the
   * browser's other tabs hold on the first node are refused).
   */
  readonly secret?: string | Uint8Array;
  /** Cookie attributes (the `cookie` option's); default name `io_bind`, Path=/, HttpOnly, SameSite=Lax. */
  readonly cookie?: Cookie;
}

export type SessionBindingOption<Cookie extends BindingCookie = BindingCookie> =
  | false
  | SessionBindingMode
  | SessionBindingOptions<Cookie>;

/** The message of the 403 a request breaking its session's binding gets (code 4). */
export const BINDING_MISMATCH_MESSAGE = "Session binding mismatch";

const TOKEN_BYTES = 16;
const MAC_BYTES = 16;

let processKey: Buffer | undefined;

/**
 * Sessions bound to what their handshake presented; made only when the option is on, so a
 * session costs nothing more when it is off. Tokens are keyed by the handshake's native
 * request, which the session keeps as `request` (the front binds it before opening the
 * session, so the handshake's answer can carry the cookie).
 */
export class SessionBinding<Cookie extends BindingCookie = BindingCookie> {
  readonly mode: SessionBindingMode;
  /** The cookie's attributes, for the front that writes the handshake's answer. */
  readonly cookie: Cookie & { readonly name: string };
  readonly #key: Buffer;
  readonly #tokens = new WeakMap<object, string>();

  /** Null when the option is off (`undefined` or `false`); throws on anything malformed. */
  static from<Cookie extends BindingCookie>(
    option: SessionBindingOption<Cookie> | undefined,
  ): SessionBinding<Cookie> | null {
    if (option === undefined || option === false) return null;
    const opts = typeof option === "string" ? { mode: option } : option;
    if (
      opts === null ||
      typeof opts !== "object" ||
      (opts.mode !== "address" && opts.mode !== "cookie")
    ) {
      throw new TypeError(
        `option sessionBinding must be false, "address", "cookie" or { mode, secret?, cookie? }, got ${String(option)}`,
      );
    }
    return new SessionBinding<Cookie>(opts);
  }

  private constructor(opts: SessionBindingOptions<Cookie>) {
    this.mode = opts.mode;
    const secret = opts.secret;
    if (
      secret !== undefined &&
      (typeof secret === "string" ? secret.length : secret.byteLength) === 0
    ) {
      throw new TypeError("option sessionBinding.secret must not be empty");
    }
    processKey ??= randomBytes(32);
    this.#key = secret === undefined ? processKey : Buffer.from(secret);
    this.cookie = { ...opts.cookie, name: opts.cookie?.name ?? "io_bind" } as Cookie & {
      readonly name: string;
    };
  }

  /**
   * Binds the session a polling handshake opens (cookie mode: to the token of a valid cookie
   * the browser already has, so its tabs and reconnections share one, else to a new one).
   */
  bind(req: RequestRecord<object>): void {
    if (this.mode === "address") return;
    let token = this.#presentedTokens(req).find((t) => t !== null) ?? null;
    if (token === null) token = randomBytes(TOKEN_BYTES).toString("base64url");
    this.#tokens.set(req.native, token);
  }

  /** The cookie value (`<token>.<mac>`) for the answer to the handshake `native`, if bound. */
  cookieValue(native: object): string | undefined {
    const token = this.#tokens.get(native);
    return token === undefined ? undefined : `${token}.${this.#mac(token)}`;
  }

  /**
   * Whether a request naming `session` (a later poll, a POST, the WebSocket upgrade) comes
   * from the client its handshake came from. A session bound to nothing (made over a
   * WebSocket, which never needs another request) accepts no request in cookie mode.
   */
  allows(
    session: { readonly request: unknown; readonly remoteAddress: string },
    req: RequestRecord<unknown>,
  ): boolean {
    if (this.mode === "address") {
      return req.remoteAddress !== "" && req.remoteAddress === session.remoteAddress;
    }
    const key = session.request;
    const expected = typeof key === "object" && key !== null ? this.#tokens.get(key) : undefined;
    if (expected === undefined) return false;
    return this.#presentedTokens(req).includes(expected);
  }

  /** Tokens of the request's binding cookies whose MAC checks out (null for the others). */
  #presentedTokens(req: RequestRecord<unknown>): (string | null)[] {
    const raw = req.headers.cookie;
    if (raw === undefined) return [];
    const header = Array.isArray(raw) ? raw.join("; ") : raw;
    const prefix = `${this.cookie.name}=`;
    const out: (string | null)[] = [];
    for (const part of header.split(";")) {
      const pair = part.trim();
      if (pair.startsWith(prefix)) out.push(this.#verified(pair.slice(prefix.length)));
    }
    return out;
  }

  #verified(value: string): string | null {
    const dot = value.indexOf(".");
    if (dot <= 0) return null;
    const token = value.slice(0, dot);
    const mac = Buffer.from(value.slice(dot + 1), "base64url");
    const expected = Buffer.from(this.#mac(token), "base64url");
    return mac.length === expected.length && timingSafeEqual(mac, expected) ? token : null;
  }

  #mac(token: string): string {
    return createHmac("sha256", this.#key)
      .update(token)
      .digest()
      .subarray(0, MAC_BYTES)
      .toString("base64url");
  }
}
