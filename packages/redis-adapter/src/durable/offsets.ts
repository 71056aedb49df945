import { randomBytes } from "node:crypto";
import type { Room } from "@parley/server";

/**
 * Offsets of durable sessions: `<epoch>:<ms>-<seq>`, Centrifugo-style. `seq` counts the
 * packets of a namespace's stream from 1, without gaps; `ms` is when it was appended (so the
 * stream can be trimmed by age); `epoch` is random per history, so an offset from a history
 * Redis lost (a restart without persistence, a flush) is never read against a new one.
 */
export interface Offset {
  readonly epoch: string;
  readonly ms: number;
  readonly seq: number;
  /** The stream entry id, `<ms>-<seq>`. */
  readonly id: string;
}

const OFFSET = /^([A-Za-z0-9_-]{1,32}):(\d{1,16})-(\d{1,16})$/;

export function parseOffset(offset: string): Offset | undefined {
  const m = OFFSET.exec(offset);
  if (m === null) return undefined;
  const ms = Number(m[2]);
  const seq = Number(m[3]);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) return undefined;
  return { epoch: m[1] as string, ms, seq, id: `${m[2]}-${m[3]}` };
}

/** The sequence number in a stream entry id `<ms>-<seq>`, or NaN. */
export function seqOf(id: string): number {
  const dash = id.indexOf("-");
  return dash === -1 ? Number.NaN : Number(id.slice(dash + 1));
}

export function newEpoch(): string {
  return randomBytes(6).toString("base64url");
}

/** Length of an adapter uid (8 random bytes in hex): the home prefix of every pid. */
export const HOME_LENGTH = 16;

/**
 * A private session id that names its home, the server that issued it: the live record of
 * the session is kept in that home's hash, found without asking anyone.
 */
export function newPid(home: string): string {
  return `${home}${randomBytes(15).toString("base64url")}`;
}

/** The home of a pid issued by `newPid`, or undefined for any other pid. */
export function homeOf(pid: string): string | undefined {
  if (pid.length !== HOME_LENGTH + 20) return undefined;
  const home = pid.slice(0, HOME_LENGTH);
  return /^[0-9a-f]+$/.test(home) ? home : undefined;
}

/** Whether a packet sent to `rooms` minus `except` reached a socket in `socketRooms`. */
export function reaches(
  rooms: readonly Room[],
  except: readonly Room[],
  socketRooms: ReadonlySet<Room>,
): boolean {
  for (const room of except) if (socketRooms.has(room)) return false;
  if (rooms.length === 0) return true;
  for (const room of rooms) if (socketRooms.has(room)) return true;
  return false;
}
