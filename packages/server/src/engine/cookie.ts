import type { SessionBinding } from "./core/session-binding.js";
import type { HeaderMap } from "./cors.js";
import type { CookieOptions } from "./options.js";

// RFC 6265 token / cookie-av characters: no controls, no separators that end an attribute.
function unsafe(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3b || c === 0x2c) return true;
  }
  return false;
}

function checked(label: string, value: string): string {
  if (value.length === 0 || unsafe(value)) {
    throw new TypeError(`cookie ${label} ${JSON.stringify(value)} contains forbidden characters`);
  }
  return value;
}

const PRIORITIES: Readonly<Record<string, string>> = {
  low: "Low",
  medium: "Medium",
  high: "High",
};

/**
 * `Set-Cookie` value for the session id, with the attributes the `cookie` package writes for
 * the same options (engine.io's defaults: Path=/, HttpOnly, SameSite=Lax); throws on a
 * misconfigured name, path, domain, encoder or priority.
 */
export function serializeCookie(sid: string, opts: CookieOptions): string {
  const value = (opts.encode ?? encodeURIComponent)(sid);
  if (unsafe(value)) throw new TypeError("cookie encode() returned forbidden characters");
  let out = `${checked("name", opts.name ?? "io")}=${value}`;
  const path = opts.path ?? "/";
  if (path !== false) out += `; Path=${checked("path", path)}`;
  if (opts.domain !== undefined) out += `; Domain=${checked("domain", opts.domain)}`;
  if (opts.maxAge !== undefined) out += `; Max-Age=${Math.floor(opts.maxAge)}`;
  if (opts.expires !== undefined) {
    if (!(opts.expires instanceof Date) || Number.isNaN(opts.expires.getTime())) {
      throw new TypeError("cookie expires must be a valid Date");
    }
    out += `; Expires=${opts.expires.toUTCString()}`;
  }
  if (opts.httpOnly !== false) out += "; HttpOnly";
  if (opts.secure === true) out += "; Secure";
  if (opts.partitioned === true) out += "; Partitioned";
  if (opts.priority !== undefined) {
    const priority = PRIORITIES[String(opts.priority).toLowerCase()];
    if (priority === undefined) throw new TypeError("cookie priority must be low, medium or high");
    out += `; Priority=${priority}`;
  }
  const sameSite = opts.sameSite ?? "lax";
  const site = typeof sameSite === "string" ? sameSite.toLowerCase() : sameSite;
  if (site === true || site === "strict") out += "; SameSite=Strict";
  else if (site === "lax") out += "; SameSite=Lax";
  else if (site === "none") out += "; SameSite=None";
  return out;
}

/** Appends one `Set-Cookie` value after any already set (a middleware's: express-session's). */
function appendSetCookie(headers: HeaderMap, value: string): void {
  const prior = headers["Set-Cookie"];
  headers["Set-Cookie"] = prior === undefined ? [value] : [...[prior].flat(), value];
}

/**
 * Adds a handshake answer's cookies, whatever the runtime: the session id's (unless `cookie:
 * false`) and, with `sessionBinding: "cookie"`, the binding token's for the handshake `native`.
 */
export function addHandshakeCookies(
  headers: HeaderMap,
  sid: string,
  native: object,
  options: {
    readonly cookie: CookieOptions | false;
    readonly sessionBinding: SessionBinding<CookieOptions> | null;
  },
): void {
  if (options.cookie !== false) appendSetCookie(headers, serializeCookie(sid, options.cookie));
  const binding = options.sessionBinding;
  const bound = binding?.cookieValue(native);
  if (binding != null && bound !== undefined) {
    appendSetCookie(headers, serializeCookie(bound, binding.cookie));
  }
}
