import type { ClusterAdapterOptions } from "@parley/server/adapter";
import type { DebugLogger } from "./logger.js";

export interface NodeClusterAdapterOptions extends ClusterAdapterOptions {
  /**
   * Milliseconds a worker waits for the primary's answer to its first message before it
   * warns that `setupPrimary()` was not called there (default 2000). The adapter works
   * meanwhile; only the warning waits.
   */
  primaryTimeout?: number;
  /**
   * Receives a line for every notable event: malformed messages, workers seen and lost,
   * failed sends. Without it, each kind of trouble prints one `console.warn`, once.
   */
  debug?: DebugLogger;
}

export interface PrimaryOptions {
  /** Receives a line per relay event (worker gone, response for an unknown worker…). */
  debug?: DebugLogger;
}
