import { RELIABLE_AUTH_KEY } from "@parley/protocol";

/**
 * Reads (and removes from the CONNECT auth the app sees) a client's announcement that it
 * deduplicates reliable packets: `{ "parley:reliable": <highest message id it has seen> }`.
 * `floor` is that id (new message ids start above it, even if the session's set expired
 * meanwhile), or undefined when the client did not announce, or announced something that is
 * not a non-negative safe integer (then it gets the plain form, as official clients do).
 */
export function takeAnnouncement(auth: Record<string, unknown>): {
  auth: Record<string, unknown>;
  floor: number | undefined;
} {
  if (!Object.hasOwn(auth, RELIABLE_AUTH_KEY)) return { auth, floor: undefined };
  const { [RELIABLE_AUTH_KEY]: value, ...rest } = auth;
  const floor =
    typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  return { auth: rest, floor };
}
