import type { IncomingMessage } from "node:http";
import type {
  CorsOptions,
  CorsOptionsDelegate,
  CorsOrigin,
  CorsOriginFunction,
} from "./options.js";

/** Response headers as a plain object, the shape `writeHead` and the `headers` hook use. */
export type HeaderMap = Record<string, string | string[]>;

const DEFAULT_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

function list(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(",");
}

/** The value for `Access-Control-Allow-Origin`, or `false` when `origin` is not allowed. */
function matchOrigin(origin: string, allowed: CorsOrigin): string | false {
  if (allowed === true) return origin;
  if (allowed === false) return false;
  if (allowed === "*") return "*";
  if (typeof allowed === "string") return allowed === origin ? origin : false;
  if (allowed instanceof RegExp) return allowed.test(origin) ? origin : false;
  for (const entry of allowed) {
    if (typeof entry === "string" ? entry === origin : entry.test(origin)) return origin;
  }
  return false;
}

function callOriginFunction(fn: CorsOriginFunction, origin: string | undefined) {
  return new Promise<CorsOrigin>((resolve) => {
    try {
      fn(origin, (err, value) => resolve(err ? false : (value ?? false)));
    } catch {
      resolve(false);
    }
  });
}

function callDelegate(delegate: CorsOptionsDelegate, req: IncomingMessage) {
  return new Promise<CorsOptions | null>((resolve) => {
    try {
      delegate(req, (err, options) => resolve(err ? null : (options ?? {})));
    } catch {
      resolve(null);
    }
  });
}

/** What `check` decides for an allowed request. */
export interface CorsVerdict {
  /** Headers to add to the response (for a preflight, its own ones too). */
  readonly headers: HeaderMap;
  /** The status a preflight (OPTIONS) is answered with. */
  readonly preflightStatus: number;
}

/**
 * CORS as Socket.IO users configure it (the `cors` package's options, or its per-request
 * delegate), enforced rather than advisory: an Origin that the configuration does not allow is
 * refused (403), on polling and on WebSocket upgrades alike, because browsers do not apply CORS
 * to WebSocket at all. Its preflights get engine.io's answer (204, no CORS headers): the
 * browser refuses on its own, and the engine never sees the request.
 */
export class Cors {
  readonly #options: CorsOptions | CorsOptionsDelegate;

  constructor(options: CorsOptions | CorsOptionsDelegate) {
    this.#options = options;
  }

  /**
   * The headers for `req` (with the preflight ones on an OPTIONS request), or `null` when its
   * Origin is refused. A request without Origin (not from a browser) is never refused.
   */
  async check(req: IncomingMessage): Promise<CorsVerdict | null> {
    const configured = this.#options;
    const opts =
      typeof configured === "function" ? await callDelegate(configured, req) : configured;
    if (opts === null) return null;
    const origin = req.headers.origin;
    const allowedOrigin = opts.origin ?? "*";
    const allowed =
      typeof allowedOrigin === "function"
        ? await callOriginFunction(allowedOrigin, origin)
        : allowedOrigin;
    const headers: HeaderMap = {};
    if (origin === undefined) {
      if (allowed === "*") headers["Access-Control-Allow-Origin"] = "*";
      else if (typeof allowed === "string") headers["Access-Control-Allow-Origin"] = allowed;
    } else {
      let value = matchOrigin(origin, allowed);
      if (value === false) return null;
      // "*" is refused by browsers on credentialed requests: echo the origin instead.
      if (value === "*" && opts.credentials === true) value = origin;
      headers["Access-Control-Allow-Origin"] = value;
    }
    if (headers["Access-Control-Allow-Origin"] !== "*") headers.Vary = "Origin";
    if (opts.credentials === true) headers["Access-Control-Allow-Credentials"] = "true";
    const exposed = list(opts.exposedHeaders);
    if (exposed) headers["Access-Control-Expose-Headers"] = exposed;
    if (req.method === "OPTIONS") preflight(req, opts, headers);
    return { headers, preflightStatus: opts.optionsSuccessStatus ?? 204 };
  }
}

/** Adds the preflight-only headers to `headers`. */
function preflight(req: IncomingMessage, opts: CorsOptions, headers: HeaderMap): void {
  headers["Access-Control-Allow-Methods"] = list(opts.methods) ?? DEFAULT_METHODS;
  const configured = opts.allowedHeaders ?? opts.headers;
  const allowedHeaders = list(configured) ?? req.headers["access-control-request-headers"];
  if (allowedHeaders) {
    headers["Access-Control-Allow-Headers"] = allowedHeaders;
    if (configured === undefined) {
      headers.Vary = headers.Vary
        ? "Origin, Access-Control-Request-Headers"
        : "Access-Control-Request-Headers";
    }
  }
  if (opts.maxAge !== undefined) headers["Access-Control-Max-Age"] = String(opts.maxAge);
  headers["Content-Length"] = "0";
}
