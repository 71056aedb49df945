/**
 * The cookie jar of a Node client with `withCredentials` (browsers keep cookies themselves).
 * It exists so that a client behind a balancer with cookie-based sticky sessions (AWS ALB's
 * `AWSALB`, HAProxy's `SERVERID`, the server's own `io` cookie) sends every request of a
 * session, polling and the WebSocket upgrade alike, to the same server.
 *
 * Parsing follows RFC 6265 section 5 (the algorithm user agents implement, more lenient than
 * the grammar servers should emit). One jar belongs to one Manager, which talks to one origin,
 * so there is no per-domain store: `Domain` only decides whether a cookie is accepted.
 *
 * Implemented: `Expires` (RFC 6265 dates) and `Max-Age` (which wins over `Expires`); expired
 * cookies are dropped, and a cookie set already expired deletes the stored one; `Path` (default
 * path, path-match); `Domain` (refused unless the host domain-matches it); `Secure` (only kept
 * from, and so only sent to, https/wss).
 * Ignored on purpose: `HttpOnly` (it hides cookies from page scripts; this jar has no script
 * API, and the client is the HTTP agent that must send them), `SameSite` (every request here
 * is made by the client to its own server, never initiated by another site), `Partitioned`
 * and `Priority` (browser storage policies), and any attribute not named above.
 */

/** At most this many cookies per jar; past it the oldest is evicted (RFC 6265 asks ≥ 50). */
export const MAX_COOKIES = 50;
/** Longest accepted name plus value, in characters (RFC 6265bis, section 5.6). */
export const MAX_COOKIE_SIZE = 4096;
/** Longest accepted attribute value; a longer one is ignored (RFC 6265bis, section 5.6). */
const MAX_ATTRIBUTE_SIZE = 1024;

export interface Cookie {
  name: string;
  /** As the server sent it (quotes included): it goes back byte for byte. */
  value: string;
  path: string;
  /** Expiry in ms since the epoch; Infinity for a session cookie (it lives with the jar). */
  expires: number;
  secure: boolean;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
// RFC 6265 5.1.1 delimiter: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
const DATE_DELIMITERS = /[\t\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+/;

/**
 * An RFC 6265 cookie-date (section 5.1.1) in ms since the epoch, always UTC; undefined when it
 * does not parse. Accepts what servers actually send: `Wed, 21 Oct 2015 07:28:00 GMT`,
 * `Wednesday, 21-Oct-15 07:28:00 GMT`, asctime's `Wed Oct 21 07:28:00 2015`.
 */
export function parseCookieDate(text: string): number | undefined {
  let time: number[] | undefined;
  let day: number | undefined;
  let month: number | undefined;
  let year: number | undefined;
  for (const token of text.split(DATE_DELIMITERS)) {
    if (token === "") continue;
    const hms = time === undefined && /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D|$)/.exec(token);
    if (hms) {
      time = [Number(hms[1]), Number(hms[2]), Number(hms[3])];
      continue;
    }
    const dom = day === undefined && /^(\d{1,2})(?:\D|$)/.exec(token);
    if (dom) {
      day = Number(dom[1]);
      continue;
    }
    const m = month === undefined ? MONTHS.indexOf(token.slice(0, 3).toLowerCase()) : -1;
    if (m !== -1) {
      month = m;
      continue;
    }
    const y = year === undefined && /^(\d{2,4})(?:\D|$)/.exec(token);
    if (y) year = Number(y[1]);
  }
  if (time === undefined || day === undefined || month === undefined || year === undefined) {
    return undefined;
  }
  if (year >= 70 && year <= 99) year += 1900;
  else if (year <= 69) year += 2000;
  const [h, min, s] = time as [number, number, number];
  if (day < 1 || day > 31 || year < 1601 || h > 23 || min > 59 || s > 59) return undefined;
  const ms = Date.UTC(year, month, day, h, min, s);
  // A day the month does not have (Feb 30) is no date; Date.UTC would roll it over.
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/** RFC 6265 5.1.4: the directory of the request path, the path a cookie gets by default. */
export function defaultPath(requestPath: string): string {
  const i = requestPath.lastIndexOf("/");
  return requestPath[0] !== "/" || i <= 0 ? "/" : requestPath.slice(0, i);
}

/** RFC 6265 5.1.4: whether a cookie of `cookiePath` goes with a request for `requestPath`. */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

/** RFC 6265 5.1.3: `host` is `domain`, or a name under it (never for an IP address). */
function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !isIpAddress(host));
}

function isSecure(url: URL): boolean {
  return url.protocol === "https:" || url.protocol === "wss:";
}

/**
 * One `Set-Cookie` header value received from `url`, as RFC 6265 5.2 and 5.3 read it;
 * undefined when the cookie must be ignored (no `=`, empty name, too large, a `Domain` the host
 * is not under, `Secure` over plain http).
 */
export function parseSetCookie(header: string, url: URL, now: number): Cookie | undefined {
  const parts = header.split(";");
  const pair = parts[0] as string;
  const eq = pair.indexOf("=");
  if (eq === -1) return undefined;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (name === "" || name.length + value.length > MAX_COOKIE_SIZE) return undefined;
  let expires: number | undefined;
  let maxAge: number | undefined;
  let domain: string | undefined;
  let path: string | undefined;
  let secure = false;
  for (let i = 1; i < parts.length; i++) {
    const av = parts[i] as string;
    const at = av.indexOf("=");
    const key = (at === -1 ? av : av.slice(0, at)).trim().toLowerCase();
    const val = at === -1 ? "" : av.slice(at + 1).trim();
    if (val.length > MAX_ATTRIBUTE_SIZE) continue;
    // For a repeated attribute the last one counts (RFC 6265 5.3 step 3).
    if (key === "expires") {
      const date = parseCookieDate(val);
      if (date !== undefined) expires = date;
    } else if (key === "max-age") {
      // Only an optional "-" and digits; zero or less means "expired now".
      if (/^-?\d+$/.test(val)) {
        const seconds = Number(val);
        maxAge = seconds <= 0 ? Number.NEGATIVE_INFINITY : now + seconds * 1000;
      }
    } else if (key === "domain") {
      if (val !== "") domain = val.replace(/^\./, "").toLowerCase();
    } else if (key === "path") {
      path = val.startsWith("/") ? val : undefined;
    } else if (key === "secure") {
      secure = true;
    }
    // httponly, samesite, partitioned, priority, unknown ones: see the file comment.
  }
  if (domain !== undefined && !domainMatches(url.hostname.toLowerCase(), domain)) return undefined;
  if (secure && !isSecure(url)) return undefined;
  return {
    name,
    value,
    path: path ?? defaultPath(url.pathname),
    expires: maxAge ?? expires ?? Number.POSITIVE_INFINITY,
    secure,
  };
}

/** The cookies one Manager received, sent back with each of its requests. */
export class CookieJar {
  /** By name and path (a cookie's identity within one host), in order of creation. */
  readonly #cookies = new Map<string, Cookie>();

  /** Keeps the cookies of the `Set-Cookie` values of a response from `url`. */
  store(url: string, setCookie: readonly string[]): void {
    if (setCookie.length === 0) return;
    const from = new URL(url);
    const now = Date.now();
    for (const header of setCookie) {
      const cookie = parseSetCookie(header, from, now);
      if (!cookie) continue;
      const key = `${cookie.name};${cookie.path}`;
      if (cookie.expires <= now) {
        // Set already expired: the server deletes the cookie.
        this.#cookies.delete(key);
        continue;
      }
      if (!this.#cookies.has(key) && this.#cookies.size >= MAX_COOKIES) {
        const oldest = this.#cookies.keys().next().value as string;
        this.#cookies.delete(oldest);
      }
      // Replacing keeps the first cookie's place, as its creation time is kept (RFC 6265 5.3).
      this.#cookies.set(key, cookie);
    }
  }

  /** The `Cookie` header value for a request to `url`; undefined when no cookie applies. */
  header(url: string): string | undefined {
    const to = new URL(url);
    const now = Date.now();
    const matching: Cookie[] = [];
    for (const [key, cookie] of this.#cookies) {
      if (cookie.expires <= now) {
        this.#cookies.delete(key);
      } else if ((!cookie.secure || isSecure(to)) && pathMatches(to.pathname, cookie.path)) {
        matching.push(cookie);
      }
    }
    if (matching.length === 0) return undefined;
    // Longer paths first; among equal paths, older first (sort is stable). RFC 6265 5.4.
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.map((c) => `${c.name}=${c.value}`).join("; ");
  }

  /** How many cookies are kept (expired ones included until the next `header`). */
  get size(): number {
    return this.#cookies.size;
  }
}
