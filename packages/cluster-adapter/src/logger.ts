/** Receives one line per notable event: ignored messages, workers up and down, IPC errors. */
export type DebugLogger = (message: string) => void;

export interface Logger {
  debug: DebugLogger;
  /** Trouble worth a warning: printed once per kind by default, every time to `debug`. */
  warn(kind: string, message: string): void;
}

/**
 * Without a `debug` option: silent, except one concise `console.warn` the first time each
 * kind of trouble happens, so a misconfiguration (no `setupPrimary()`) is seen, not flooded.
 */
export function createLogger(debug: DebugLogger | undefined): Logger {
  if (debug !== undefined) return { debug, warn: (_kind, message) => debug(message) };
  const warned = new Set<string>();
  return {
    debug: () => {},
    warn: (kind, message) => {
      if (warned.has(kind)) return;
      warned.add(kind);
      console.warn(
        `[parley/cluster-adapter] ${message} (further ${kind} warnings are silent; pass a \`debug\` option to see them all)`,
      );
    },
  };
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
