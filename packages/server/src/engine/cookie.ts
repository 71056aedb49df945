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

/** `Set-Cookie` value for the session id; throws on a misconfigured name, path or domain. */
export function serializeCookie(sid: string, opts: CookieOptions): string {
  let out = `${checked("name", opts.name ?? "io")}=${encodeURIComponent(sid)}`;
  out += `; Path=${checked("path", opts.path ?? "/")}`;
  if (opts.domain !== undefined) out += `; Domain=${checked("domain", opts.domain)}`;
  if (opts.maxAge !== undefined) out += `; Max-Age=${Math.floor(opts.maxAge)}`;
  if (opts.httpOnly !== false) out += "; HttpOnly";
  if (opts.secure === true) out += "; Secure";
  const sameSite = opts.sameSite ?? "lax";
  if (sameSite === true || sameSite === "strict") out += "; SameSite=Strict";
  else if (sameSite === "lax") out += "; SameSite=Lax";
  else if (sameSite === "none") out += "; SameSite=None";
  return out;
}
