import type { RateLimitInfo } from "./options.js";

/**
 * Why a socket was disconnected by the `"disconnect"` policy: the description of its
 * `disconnect` event. `code` is "RATE_LIMITED"; `info` says which limit and for how long.
 */
export class RateLimitedError extends Error {
  readonly code = "RATE_LIMITED";
  readonly info: RateLimitInfo;

  constructor(info: RateLimitInfo) {
    super(
      `rate limited (${info.scope} limit on "${info.event}"; retry after ${info.retryAfterMs} ms)`,
    );
    this.name = "RateLimitedError";
    this.info = info;
  }
}
