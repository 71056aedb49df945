import type { ServerResponse } from "node:http";
import { parseQuery } from "../core/request.js";
import type { HeaderMap } from "../cors.js";
import { EngineErrorCode } from "../http-errors.js";
import { applyMiddlewares, type MiddlewareFailure, setEngineQuery } from "../http-middleware.js";
import type { BunEngineHost } from "./engine-host.js";
import { BunMiddlewareResponse } from "./middleware-response.js";
import { asIncoming, type BunRequestRecord } from "./request-record.js";
import { withHeaders } from "./responses.js";

/** A middleware answered the request itself (it may never call `next`). */
const ANSWERED: unique symbol = Symbol("answered");

function middlewareRefusal(failure: MiddlewareFailure) {
  return {
    code: EngineErrorCode.BAD_REQUEST,
    context: { name: "MIDDLEWARE_FAILURE", error: failure.error },
  };
}

/**
 * Runs `engine.use()` middlewares on a request, as the Node front does (after CORS, before the
 * engine's checks, `req._query` set), on the request record and a `BunMiddlewareResponse`;
 * then `next` (the engine), whose answer is played through that response so the middlewares'
 * headers and hooks apply. `next(err)`, a throw or a rejection refuses the request (400,
 * MIDDLEWARE_FAILURE); a middleware that answers (`res.end()`) ends it with that answer.
 */
export async function runMiddlewares(
  host: BunEngineHost,
  req: BunRequestRecord,
  upgrade: boolean,
  corsHeaders: HeaderMap | undefined,
  next: (commit: (() => HeaderMap) | undefined) => Promise<Response | undefined>,
): Promise<Response | undefined> {
  const incoming = asIncoming(req);
  setEngineQuery(incoming, parseQuery(req.url));
  // Node's alias of `socket`, which middleware still reads (express-session's secure check).
  if (!("connection" in req)) {
    Object.defineProperty(req, "connection", { value: req.socket, configurable: true });
  }
  const res = new BunMiddlewareResponse(req, host.reportError);
  const chain = applyMiddlewares(
    host.middlewares,
    incoming,
    res as unknown as ServerResponse,
    host.reportError,
  );
  const outcome = await Promise.race([chain, res.response.then((): typeof ANSWERED => ANSWERED)]);
  if (outcome === ANSWERED || res.headersSent) {
    // A middleware answered (and maybe still called next()): the request is over.
    if (!res.writableEnded) res.end();
    return withHeaders(await res.response, corsHeaders);
  }
  if (outcome !== undefined) {
    return res.play(host.refuse(req, middlewareRefusal(outcome), corsHeaders));
  }
  const answer = await next(upgrade ? () => res.commit() : undefined);
  return answer === undefined ? undefined : res.play(answer);
}
