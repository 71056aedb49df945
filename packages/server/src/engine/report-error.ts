/** What `reportEngineError` needs of an engine front: its `error` event. */
interface ErrorEventTarget {
  listenerCount(event: "error"): number;
  emit(event: "error", error: unknown): boolean;
}

/**
 * A user hook or listener threw inside an engine front (Node or Bun): the engine's `error`
 * event if anyone listens, else the console — never an uncaught exception that would take
 * every other session down with it.
 */
export function reportEngineError(engine: ErrorEventTarget, error: unknown): void {
  if (engine.listenerCount("error") > 0) {
    try {
      engine.emit("error", error);
      return;
    } catch {
      // fall through to the console
    }
  }
  console.error("[parley/engine] unhandled error in a handler:", error);
}
