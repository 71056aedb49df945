export { ConnectionAdmission, type ConnectionRefusal } from "./connection-admission.js";
export { EventRateLimiter, type LimitedSocket } from "./event-limiter.js";
export type {
  BucketOptions,
  ConnectionRateLimitOptions,
  EngineRateLimitOptions,
  EventRateLimitOptions,
  RateLimitInfo,
  RateLimitOptions,
  RateLimitPolicy,
  RateLimitScope,
  UserRateLimitOptions,
} from "./options.js";
export { RateLimitedError } from "./rate-limited-error.js";
export { MemoryUserRateStore, type UserRateStore } from "./user-store.js";
