/** Stable codes of the errors this package throws at setup. */
export type ClusterAdapterErrorCode =
  /** `createAdapter()` outside a `node:cluster` worker (no IPC channel to the primary). */
  | "NOT_A_WORKER"
  /** `setupPrimary()` outside the primary process. */
  | "NOT_THE_PRIMARY";

export class ClusterAdapterError extends Error {
  readonly code: ClusterAdapterErrorCode;

  constructor(code: ClusterAdapterErrorCode, message: string) {
    super(message);
    this.name = "ClusterAdapterError";
    this.code = code;
  }
}
