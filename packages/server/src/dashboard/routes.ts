import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DashboardAuth } from "./auth.js";
import { dashboardPage, loginPage } from "./page.js";

/** What the routes need from the dashboard. */
export interface DashboardBackend {
  /** JSON of this node (and, with `cluster`, of every node that answers). */
  stats(cluster: boolean): Promise<unknown>;
  /** Disconnects socket `id` of namespace `nsp`, wherever in the cluster it is. */
  disconnect(nsp: string, id: string, close: boolean): boolean;
}

const MAX_BODY = 4096;

/**
 * The dashboard's HTTP routes under `base` (no trailing slash). Returns false for a request
 * outside `base`, which then goes on to the app and the engine.
 */
export function createRoutes(
  base: string,
  auth: DashboardAuth,
  backend: DashboardBackend,
  sessionTtlMs: number,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path !== base && !path.startsWith(`${base}/`)) return false;
    const rest = path.slice(base.length);
    handle(req, res, rest, url).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { code: "INTERNAL", message: String(err) });
      else res.destroy();
    });
    return true;
  };

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    rest: string,
    url: URL,
  ): Promise<void> {
    const method = req.method ?? "GET";
    if (rest === "" || rest === "/") {
      if (method !== "GET" && method !== "HEAD") return notAllowed(res, "GET");
      const session = auth.session(req);
      if (session === undefined) return html(res, 200, (nonce) => loginPage(base, nonce, ""));
      return html(res, 200, (nonce) => dashboardPage(base, nonce, session.csrf));
    }
    if (rest === "/login") {
      if (method !== "POST") return notAllowed(res, "POST");
      if (!sameOrigin(req))
        return json(res, 403, { code: "CROSS_ORIGIN", message: "cross-origin login refused" });
      if (auth.throttled()) {
        return html(res, 429, (nonce) =>
          loginPage(base, nonce, "Too many failed attempts: wait a minute."),
        );
      }
      const body = await readBody(req);
      if (body === undefined)
        return json(res, 413, { code: "BODY_TOO_LARGE", message: "body too large" });
      const credential = new URLSearchParams(body).get("credential") ?? "";
      if (!auth.matches(credential)) {
        auth.failed();
        return html(res, 401, (nonce) => loginPage(base, nonce, "Wrong credential."));
      }
      const { token } = auth.open();
      const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
      res.writeHead(303, {
        location: `${base}/`,
        "set-cookie": auth.cookie(token, base, secure, sessionTtlMs),
        "cache-control": "no-store",
      });
      res.end();
      return;
    }
    if (rest === "/logout") {
      if (method !== "POST") return notAllowed(res, "POST");
      const session = auth.session(req);
      if (session !== undefined && auth.csrfValid(req, session) && sameOrigin(req)) auth.close(req);
      res.writeHead(303, {
        location: `${base}/`,
        "set-cookie": `${auth.cookieName}=; Path=${base}; Max-Age=0`,
      });
      res.end();
      return;
    }
    if (rest === "/api/stats") {
      if (method !== "GET") return notAllowed(res, "GET");
      if (!auth.bearer(req) && auth.session(req) === undefined) return unauthorized(res);
      return json(res, 200, await backend.stats(url.searchParams.get("cluster") === "1"));
    }
    if (rest === "/api/disconnect") {
      if (method !== "POST") return notAllowed(res, "POST");
      if (!auth.bearer(req)) {
        const session = auth.session(req);
        if (session === undefined) return unauthorized(res);
        // A browser session: the POST must come from the dashboard's own page, which alone
        // knows the CSRF token, sends JSON (a cross-site form cannot) and is same-origin.
        if (!auth.csrfValid(req, session) || !sameOrigin(req) || !isJson(req)) {
          return json(res, 403, { code: "CSRF", message: "missing or wrong CSRF token" });
        }
      }
      const body = await readBody(req);
      if (body === undefined)
        return json(res, 413, { code: "BODY_TOO_LARGE", message: "body too large" });
      const target = parseTarget(body);
      if (target === undefined) {
        return json(res, 400, {
          code: "BAD_REQUEST",
          message: 'expected JSON {"nsp": string, "id": string, "close"?: boolean}',
        });
      }
      if (!backend.disconnect(target.nsp, target.id, target.close)) {
        return json(res, 404, { code: "UNKNOWN_NAMESPACE", message: `no namespace ${target.nsp}` });
      }
      return json(res, 200, { ok: true });
    }
    json(res, 404, { code: "NOT_FOUND", message: `no dashboard route ${rest}` });
  }
}

function parseTarget(body: string): { nsp: string; id: string; close: boolean } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { nsp, id, close } = value as Record<string, unknown>;
  if (typeof nsp !== "string" || typeof id !== "string" || id.length === 0 || id.length > 200) {
    return undefined;
  }
  if (close !== undefined && typeof close !== "boolean") return undefined;
  return { nsp, id, close: close === true };
}

/** A request with no `Origin` (not a browser's cross-site one) or one naming this host. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

function isJson(req: IncomingMessage): boolean {
  return (req.headers["content-type"] ?? "").split(";")[0]?.trim() === "application/json";
}

/** The body as text, or undefined past `MAX_BODY` bytes. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function html(res: ServerResponse, status: number, page: (nonce: string) => string): void {
  const nonce = randomBytes(16).toString("base64");
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    // Not "no-referrer": with it Chromium sends `Origin: null` on the page's own POSTs.
    "referrer-policy": "same-origin",
  });
  res.end(page(nonce));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(JSON.stringify(body));
}

function notAllowed(res: ServerResponse, allow: string): void {
  res.setHeader("allow", allow);
  json(res, 405, { code: "METHOD_NOT_ALLOWED", message: `use ${allow}` });
}

function unauthorized(res: ServerResponse): void {
  json(res, 401, {
    code: "UNAUTHORIZED",
    message: "log in, or send Authorization: Bearer <credential>",
  });
}
