import { randomBytes } from "node:crypto";

/**
 * Every node of a relay cluster has a random id of this many base64url characters, and every
 * session id it hands out starts with it: the sid itself names the node that owns the session,
 * so any node can route a request without asking anyone.
 */
export const NODE_ID_LENGTH = 8;

const NODE_ID = /^[A-Za-z0-9_-]{8}$/;

export function newNodeId(): string {
  return randomBytes(6).toString("base64url");
}

export function isNodeId(value: string): boolean {
  return value.length === NODE_ID_LENGTH && NODE_ID.test(value);
}

/** The node a session id names, or null when the sid is not one of a relay's. */
export function ownerOf(sid: string): string | null {
  // The prefix, then at least the engine's 20 random characters.
  if (sid.length < NODE_ID_LENGTH + 20) return null;
  const prefix = sid.slice(0, NODE_ID_LENGTH);
  return isNodeId(prefix) ? prefix : null;
}
