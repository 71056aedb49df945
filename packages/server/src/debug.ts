import createDebug from "debug";

/**
 * A `debug` logger for one component. Call it like `debug`'s (printf-style `%s`, `%d`, `%j`,
 * `%o`); check `enabled` first where building the arguments costs something on a hot path.
 */
export interface DebugLog {
  (formatter: string, ...args: unknown[]): void;
  readonly enabled: boolean;
}

/**
 * Socket.IO users turn logging on with `DEBUG=socket.io*` or `DEBUG=engine*`; Parley's own
 * names are `parley:*`. Each component logs under its Parley name and also answers to the name
 * socket.io gives the same component (`parley:engine` ⇄ `engine`, `parley:socket` ⇄
 * `socket.io:socket`), so existing habits keep working. When both are enabled a line is
 * printed once, under the Parley name.
 *
 * When neither is enabled a call costs one getter read per instance: `debug` caches its
 * enabled check until `DEBUG` (or `debug.enable()`) changes.
 */
export function debugLog(parleyName: string, socketIoName?: string): DebugLog {
  const own = createDebug(parleyName);
  const alias = socketIoName === undefined ? undefined : createDebug(socketIoName);
  const log = (formatter: string, ...args: unknown[]): void => {
    if (own.enabled) own(formatter, ...args);
    else if (alias?.enabled) alias(formatter, ...args);
  };
  Object.defineProperty(log, "enabled", {
    get: () => own.enabled || alias?.enabled === true,
  });
  return log as DebugLog;
}
