import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * A request the engine handles, as its middlewares see it: `_query` is the parsed query
 * string (last value wins for a repeated name), set before the first middleware runs, as
 * engine.io sets it. So `req._query.sid === undefined` tells a handshake from later requests.
 */
export interface EngineRequest extends IncomingMessage {
  _query: Record<string, string>;
}

/** What a middleware calls when it is done: with a truthy `err`, the request is refused. */
export type EngineNext = (err?: unknown) => void;

/**
 * An Express-style HTTP middleware for `engine.use()` (`express-session`, `helmet`, `cors`, your
 * own). On a WebSocket upgrade, `res` is not a real ServerResponse but an `UpgradeResponse`
 * with the part of its API middleware uses (see upgrade-response.ts).
 */
export type EngineMiddleware = (
  req: EngineRequest,
  res: ServerResponse,
  next: EngineNext,
) => unknown;

/**
 * A middleware typed against Node's own request and response, or subtypes of them: Express's
 * `RequestHandler` (what express-session and helmet are typed as), whose `req` has fields an
 * engine request lacks. Declared through a method so its parameters are checked bivariantly,
 * as TypeScript checks methods: such middleware is accepted as is, as by engine.io's typings.
 */
export type NodeMiddleware = {
  bivariant(req: IncomingMessage, res: ServerResponse, next: EngineNext): unknown;
}["bivariant"];

/** Why the chain stopped short: the error a middleware passed to `next`, threw, or rejected. */
export interface MiddlewareFailure {
  readonly error: unknown;
}

/**
 * The `_query` objects the engine made: a session's handshake record need not keep one, as
 * it can parse its URL again (see handshake-request.ts). One set by user code is kept.
 */
const engineQueries = new WeakSet<object>();

export function isEngineQuery(value: unknown): boolean {
  return typeof value === "object" && value !== null && engineQueries.has(value);
}

/** Sets `req._query` from the engine's parse of the URL, unless something upstream did. */
export function setEngineQuery(req: IncomingMessage, query: URLSearchParams): void {
  const request = req as Partial<EngineRequest>;
  if (request._query !== undefined) return;
  // Object.fromEntries defines own properties: `?__proto__=x` is a plain key, not a prototype.
  const parsed = Object.fromEntries(query);
  engineQueries.add(parsed);
  request._query = parsed;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Runs `middlewares` in order, each after the previous one called `next()`. Resolves with
 * `undefined` when all did, or with the failure of the first that called `next(err)`, threw, or
 * returned a rejected promise (engine.io treats the last two like `next(err)` too). A middleware
 * that never calls `next` (it answered the request itself) leaves the promise pending, and the
 * request goes no further. Only called with at least one middleware: without any, the engine
 * pays for no promise.
 *
 * Each `next` counts once; an error a middleware throws after calling `next` (or a promise it
 * rejects then) goes to `reportLate`, not to the request, which may be long past that point.
 */
export function applyMiddlewares(
  middlewares: readonly EngineMiddleware[],
  req: IncomingMessage,
  res: ServerResponse,
  reportLate: (error: unknown) => void,
): Promise<MiddlewareFailure | undefined> {
  // A snapshot: a `use()` while this request is in the chain applies from the next request.
  const list = middlewares.slice();
  const request = req as EngineRequest;
  return new Promise((resolve) => {
    let index = 0;
    const step = (): void => {
      const middleware = list[index++];
      if (middleware === undefined) {
        resolve(undefined);
        return;
      }
      let settled = false;
      const fail = (error: unknown): void => {
        if (settled) {
          reportLate(error);
          return;
        }
        settled = true;
        resolve({ error });
      };
      const next: EngineNext = (err) => {
        if (settled) return;
        if (err) {
          fail(err);
          return;
        }
        settled = true;
        step();
      };
      let result: unknown;
      try {
        result = middleware(request, res, next);
      } catch (error) {
        fail(error);
        return;
      }
      if (isThenable(result)) result.then(undefined, fail);
    };
    step();
  });
}
