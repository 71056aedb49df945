import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Shortest credential accepted: a dashboard can disconnect anyone. */
export const MIN_CREDENTIAL_LENGTH = 12;

interface Session {
  readonly csrf: string;
  readonly expires: number;
}

export interface AuthOptions {
  readonly credential: string;
  readonly sessionTtlMs: number;
  readonly maxSessions: number;
  /** Failed logins allowed per minute (all clients together) before answering 429. */
  readonly maxFailuresPerMinute: number;
}

/**
 * Who may see the dashboard: a browser that logged in with the credential (an HttpOnly,
 * SameSite=Strict session cookie, plus a CSRF token that every POST must echo in a header),
 * or a program sending `Authorization: Bearer <credential>` (never sent by a browser on its
 * own, so not forgeable cross-site).
 */
export class DashboardAuth {
  readonly #digest: Buffer;
  readonly #opts: AuthOptions;
  readonly #sessions = new Map<string, Session>();
  readonly cookieName = "parley_dashboard";
  #failures: number[] = [];

  constructor(opts: AuthOptions) {
    this.#opts = opts;
    this.#digest = sha256(opts.credential);
  }

  /** Compares in constant time (of the digests: the lengths never leak). */
  matches(candidate: string): boolean {
    return timingSafeEqual(sha256(candidate), this.#digest);
  }

  /** Whether logins are refused for now (too many failures in the last minute). */
  throttled(now = Date.now()): boolean {
    this.#failures = this.#failures.filter((t) => now - t < 60_000);
    return this.#failures.length >= this.#opts.maxFailuresPerMinute;
  }

  failed(now = Date.now()): void {
    this.#failures.push(now);
  }

  /** A new browser session: its cookie value and CSRF token. */
  open(now = Date.now()): { token: string; csrf: string } {
    this.#sweep(now);
    if (this.#sessions.size >= this.#opts.maxSessions) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done !== true) this.#sessions.delete(oldest.value);
    }
    const token = randomBytes(32).toString("base64url");
    const csrf = randomBytes(32).toString("base64url");
    this.#sessions.set(token, { csrf, expires: now + this.#opts.sessionTtlMs });
    return { token, csrf };
  }

  close(req: IncomingMessage): void {
    const token = this.#token(req);
    if (token !== undefined) this.#sessions.delete(token);
  }

  /** The session a request's cookie names, if live. */
  session(req: IncomingMessage, now = Date.now()): Session | undefined {
    const token = this.#token(req);
    if (token === undefined) return undefined;
    const session = this.#sessions.get(token);
    if (session === undefined || session.expires <= now) {
      if (session !== undefined) this.#sessions.delete(token);
      return undefined;
    }
    return session;
  }

  /** Whether the request carries the credential as a bearer token. */
  bearer(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (header === undefined || !header.startsWith("Bearer ")) return false;
    return this.matches(header.slice(7));
  }

  /** Whether a browser POST echoes its session's CSRF token. */
  csrfValid(req: IncomingMessage, session: Session): boolean {
    const sent = req.headers["x-parley-csrf"];
    if (typeof sent !== "string") return false;
    return timingSafeEqual(sha256(sent), sha256(session.csrf));
  }

  cookie(token: string, path: string, secure: boolean, maxAgeMs: number): string {
    const parts = [
      `${this.cookieName}=${token}`,
      `Path=${path}`,
      "HttpOnly",
      "SameSite=Strict",
      `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
    ];
    if (secure) parts.push("Secure");
    return parts.join("; ");
  }

  #token(req: IncomingMessage): string | undefined {
    const header = req.headers.cookie;
    if (header === undefined) return undefined;
    for (const part of header.split(";")) {
      const eq = part.indexOf("=");
      if (eq === -1) continue;
      if (part.slice(0, eq).trim() === this.cookieName) return part.slice(eq + 1).trim();
    }
    return undefined;
  }

  #sweep(now: number): void {
    for (const [token, session] of this.#sessions) {
      if (session.expires <= now) this.#sessions.delete(token);
    }
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
