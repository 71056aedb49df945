import type { RateLimitOptions, UserRateStore } from "@parley/server";

export interface ChatRateSettings {
  /** Messages one person may send at once… */
  messageBurst: number;
  /** …and per second after that. */
  messagesPerSecond: number;
}

/**
 * The chat's use of `@parley/server`'s `rateLimit` option. Over a limit the server answers
 * the request's acknowledgement itself with `{ error: { code: "RATE_LIMITED", retryAfterMs } }`
 * and the chat's handler never runs (the page turns that into "Slow down…").
 *
 * - Per connection: a token bucket for `message:send` and one for `typing` (an honest page
 *   sends one typing notice per two seconds at most; a flood of them is cut here).
 * - Per nickname, over every tab and, with `userStore` in Redis, every chat instance:
 *   `messageBurst` messages per window of `messageBurst / messagesPerSecond` seconds, so a
 *   second tab (or a second instance) does not double anyone's allowance. A fixed window
 *   lets at most twice the burst through across a window boundary.
 *
 * Policy "drop": every chat request that can be refused has an acknowledgement, which
 * carries the refusal; typing notices over the limit are hints, dropped without a word, and
 * the page forgets a "typing" it hears nothing more of (so a dropped "stopped" heals).
 */
export function chatRateLimits(
  settings: ChatRateSettings,
  userStore: UserRateStore | undefined,
): RateLimitOptions {
  const { messageBurst, messagesPerSecond } = settings;
  return {
    events: {
      perEvent: {
        "message:send": { rate: messagesPerSecond, burst: messageBurst },
        typing: { rate: 2, burst: 5 },
      },
    },
    users: {
      key: (socket, event) =>
        event === "message:send" ? (socket.data as { nick?: string }).nick : undefined,
      limit: messageBurst,
      windowMs: Math.ceil((messageBurst / messagesPerSecond) * 1000),
      ...(userStore === undefined ? {} : { store: userStore }),
    },
    policy: "drop",
  };
}
