/**
 * `reliable-notify`: a server stored reliable packets for a session whose live socket is on
 * another server (the app emitted on a stale socket object, left from a connection that
 * dropped and was restored elsewhere). It tells the other servers, over `serverSideEmit`, so
 * the one holding the live socket reads the shared store and writes them at once instead of
 * at the next reconnection. Only with a store other servers read (`ReliableStore.shared`).
 */
export const RELIABLE_NOTIFY_EVENT = "parley:reliable-notify";

export interface ReliableNotice {
  /** The socket id (kept across restores): the live socket is found by it. */
  readonly sid: string;
  /** Its private session id: checked, so a notice reaches only that session. */
  readonly pid: string;
}

/** A notice as received from another server, or undefined if it is not one. */
export function readNotice(value: unknown): ReliableNotice | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { sid, pid } = value as Record<string, unknown>;
  if (typeof sid !== "string" || typeof pid !== "string") return undefined;
  return { sid, pid };
}
