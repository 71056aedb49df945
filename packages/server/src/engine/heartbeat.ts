/** Moved to `core/heartbeat.ts` (runtime-neutral); kept for the session layer's imports. */
export { type HeartbeatTarget, HeartbeatWheel } from "./core/heartbeat.js";
