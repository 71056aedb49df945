import type { ChatError, ChatErrorCode, OutgoingMessage } from "./events.js";

/** The limits the chat enforces; the page reads the same constants to guide the user. */
export const LIMITS = {
  nickMin: 1,
  nickMax: 24,
  roomMax: 32,
  messageMax: 500,
  roomsPerSocket: 20,
  /** Rooms open at once on the whole chat (every instance), default rooms included. */
  roomsTotal: 200,
} as const;

/** Either the cleaned value or an error ready to send back in an ack. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: ChatError };

function fail<T>(code: ChatErrorCode, message: string): Checked<T> {
  return { ok: false, error: { code, message } };
}

// C0/C1 controls (but not tab/newline in messages) and bidi overrides make names that look like
// someone else's or that reorder the text around them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const TEXT_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/u;
const ROOM_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/** Length in user-perceived characters is costly; code points are close and cannot be gamed. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function checkNick(input: unknown): Checked<string> {
  if (typeof input !== "string") return fail("NICK_INVALID", "Please choose a nickname.");
  const nick = input.normalize("NFC").trim().replace(/\s+/gu, " ");
  const length = codePoints(nick);
  if (length < LIMITS.nickMin) return fail("NICK_INVALID", "Please choose a nickname.");
  if (length > LIMITS.nickMax) {
    return fail("NICK_INVALID", `Nicknames are at most ${LIMITS.nickMax} characters.`);
  }
  if (NAME_FORBIDDEN.test(nick)) {
    return fail("NICK_INVALID", "Nicknames cannot contain control characters.");
  }
  return { ok: true, value: nick };
}

export function checkRoom(input: unknown): Checked<string> {
  if (typeof input !== "string") return fail("ROOM_INVALID", "Room names must be text.");
  const room = input.trim().toLowerCase();
  if (room.length === 0) return fail("ROOM_INVALID", "Please give the room a name.");
  if (room.length > LIMITS.roomMax) {
    return fail("ROOM_INVALID", `Room names are at most ${LIMITS.roomMax} characters.`);
  }
  if (!ROOM_PATTERN.test(room)) {
    return fail(
      "ROOM_INVALID",
      "Room names use letters a–z, digits, '-' and '_', and start with a letter or digit.",
    );
  }
  return { ok: true, value: room };
}

export function checkText(input: unknown): Checked<string> {
  if (typeof input !== "string") return fail("MESSAGE_INVALID", "Messages must be text.");
  const text = input.normalize("NFC").trim();
  if (text.length === 0) return fail("MESSAGE_INVALID", "Empty messages are not sent.");
  const length = codePoints(text);
  if (length > LIMITS.messageMax) {
    return fail(
      "MESSAGE_TOO_LONG",
      `Messages are at most ${LIMITS.messageMax} characters (this one has ${length}).`,
    );
  }
  if (TEXT_FORBIDDEN.test(text)) {
    return fail("MESSAGE_INVALID", "Messages cannot contain control characters.");
  }
  return { ok: true, value: text };
}

const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** Validates a whole outgoing message; the first problem found is the one reported. */
export function checkOutgoing(input: unknown): Checked<OutgoingMessage> {
  if (typeof input !== "object" || input === null) {
    return fail("MESSAGE_INVALID", "Malformed message.");
  }
  const { room, text, clientId } = input as Record<string, unknown>;
  const checkedRoom = checkRoom(room);
  if (!checkedRoom.ok) return checkedRoom;
  const checkedText = checkText(text);
  if (!checkedText.ok) return checkedText;
  if (typeof clientId !== "string" || !CLIENT_ID_PATTERN.test(clientId)) {
    return fail("MESSAGE_INVALID", "Malformed message id.");
  }
  return { ok: true, value: { room: checkedRoom.value, text: checkedText.value, clientId } };
}

/** True when `value` is a function: acks from the network are untrusted like everything else. */
export function isCallback(value: unknown): value is (...args: never[]) => void {
  return typeof value === "function";
}
