/** Receives one line per notable event: ignored messages, servers up and down, Redis errors. */
export type DebugLogger = (message: string) => void;

/**
 * The default: silent, except one concise `console.warn` the first time each kind of trouble
 * happens (a malformed message, a Redis error…), so a misconfiguration is visible without a
 * flood of lines.
 */
export function defaultLogger(): {
  debug: DebugLogger;
  warn: (kind: string, message: string) => void;
} {
  const warned = new Set<string>();
  return {
    debug: () => {},
    warn: (kind, message) => {
      if (warned.has(kind)) return;
      warned.add(kind);
      console.warn(
        `[parley/redis-adapter] ${message} (further ${kind} warnings are silent; pass a \`debug\` option to see them all)`,
      );
    },
  };
}

export interface Logger {
  debug: DebugLogger;
  /** Trouble worth a warning: printed once per kind by default, every time to `debug`. */
  warn(kind: string, message: string): void;
}

export function createLogger(debug: DebugLogger | undefined): Logger {
  if (debug === undefined) return defaultLogger();
  return { debug, warn: (_kind, message) => debug(message) };
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
