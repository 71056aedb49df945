import { reconstruct } from "./binary.js";
import { ProtocolError, ProtocolErrorCode } from "./errors.js";
import { DEFAULT_LIMITS } from "./limits.js";
import { type Packet, PacketType, RESERVED_EVENTS } from "./packet.js";

export interface DecoderOptions {
  /** Most binary attachments one packet may announce. Default 10. */
  maxAttachments?: number;
  /** Longest text packet accepted, in UTF-16 code units. Default 1,000,000. */
  maxPacketLength?: number;
}

/** What `PacketDecoder.add` returns: a packet, `null` while attachments are awaited, or an error. */
export type DecodeResult = Packet | null | ProtocolError;

const MAX_NAMESPACE_LENGTH = 256;

function fail(code: ProtocolErrorCode, message: string): ProtocolError {
  return new ProtocolError(code, message);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** A shared stand-in for "no attachments", so an idle decoder holds no array. */
const NO_ATTACHMENTS: readonly unknown[] = Object.freeze([]);

/**
 * Decodes one text packet with no decoder state, for the common connection that never sends
 * binary: it needs no `PacketDecoder` (nor its fields) at all. Returns `undefined` for a
 * BINARY_EVENT / BINARY_ACK text, which may announce attachments: feed that one (and every
 * frame after it) to a `PacketDecoder`. For any other text, the result is what a fresh
 * `PacketDecoder` with the same options returns from `add(text)`.
 */
export function decodeTextPacket(
  text: string,
  options: DecoderOptions = {},
): Packet | ProtocolError | undefined {
  const type = text.charCodeAt(0) - 48;
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) return undefined;
  return decodeText(
    text,
    options.maxAttachments ?? DEFAULT_LIMITS.maxAttachments,
    options.maxPacketLength ?? DEFAULT_LIMITS.maxPacketLength,
  );
}

/**
 * Incremental Socket.IO v5 decoder for one connection. Feed it every Engine.IO `message`
 * payload in order: text frames start packets, binary frames complete the pending one.
 * It never throws; after an error it is reset and the caller should close the connection.
 */
export class PacketDecoder {
  readonly #maxAttachments: number;
  readonly #maxPacketLength: number;
  #pending: Packet | null = null;
  /** Created by the first attachment: most decoders never see one. */
  #attachments: unknown[] | null = null;

  constructor(options: DecoderOptions = {}) {
    this.#maxAttachments = options.maxAttachments ?? DEFAULT_LIMITS.maxAttachments;
    this.#maxPacketLength = options.maxPacketLength ?? DEFAULT_LIMITS.maxPacketLength;
  }

  /** True while a binary packet is waiting for more attachments. */
  get isAwaitingAttachments(): boolean {
    return this.#pending !== null;
  }

  add(chunk: string | Uint8Array | ArrayBuffer): DecodeResult {
    if (typeof chunk === "string") {
      if (this.#pending !== null) {
        this.reset();
        return fail(
          ProtocolErrorCode.UNEXPECTED_TEXT_PACKET,
          "text packet received while binary attachments were pending",
        );
      }
      const packet = decodeText(chunk, this.#maxAttachments, this.#maxPacketLength);
      if (packet instanceof ProtocolError || packet.attachments === undefined) return packet;
      if (packet.attachments === 0) return this.#complete(packet);
      this.#pending = packet;
      return null;
    }
    const pending = this.#pending;
    if (pending === null) {
      return fail(
        ProtocolErrorCode.UNEXPECTED_BINARY,
        "binary frame received with no packet awaiting it",
      );
    }
    const attachments = this.#attachments ?? [];
    this.#attachments = attachments;
    attachments.push(chunk);
    if (attachments.length < (pending.attachments as number)) return null;
    return this.#complete(pending);
  }

  /** Drops any half-received packet. */
  reset(): void {
    this.#pending = null;
    this.#attachments = null;
  }

  #complete(packet: Packet): Packet | ProtocolError {
    const attachments = this.#attachments ?? NO_ATTACHMENTS;
    this.reset();
    const data = reconstruct(packet.data, attachments);
    if (data instanceof ProtocolError) return data;
    packet.data = data;
    return packet;
  }
}

/** One text packet: header, namespace, ack id, JSON body, then the shape checks. */
function decodeText(
  text: string,
  maxAttachments: number,
  maxPacketLength: number,
): Packet | ProtocolError {
  const length = text.length;
  if (length === 0) return fail(ProtocolErrorCode.EMPTY_PACKET, "empty Socket.IO packet");
  if (length > maxPacketLength) {
    return fail(
      ProtocolErrorCode.PACKET_TOO_LARGE,
      `packet of ${length} characters exceeds the limit of ${maxPacketLength}`,
    );
  }
  const type = text.charCodeAt(0) - 48;
  if (type < 0 || type > 6) {
    return fail(
      ProtocolErrorCode.UNKNOWN_PACKET_TYPE,
      `unknown Socket.IO packet type ${JSON.stringify(text[0])}`,
    );
  }
  const packet: Packet = { type: type as PacketType, nsp: "/" };
  let i = 1;

  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    // "<count>-": at most 16 digits, so the count is exact before it is compared.
    let count = 0;
    while (i < length && i <= 16 && isDigit(text.charCodeAt(i))) {
      count = count * 10 + (text.charCodeAt(i) - 48);
      i++;
    }
    if (i === 1 || text.charCodeAt(i) !== 45 /* "-" */) {
      return fail(
        ProtocolErrorCode.INVALID_ATTACHMENT_COUNT,
        "binary packet without a valid attachment count",
      );
    }
    if (count > maxAttachments) {
      return fail(
        ProtocolErrorCode.TOO_MANY_ATTACHMENTS,
        `${count} attachments exceed the limit of ${maxAttachments}`,
      );
    }
    packet.attachments = count;
    i++;
  }

  let code = text.charCodeAt(i);
  if (code === 47 /* "/" */) {
    // The namespace runs to the first "," (or to the end, for a bare "1/admin").
    const start = i;
    const stop = Math.min(length, start + MAX_NAMESPACE_LENGTH + 1);
    for (; i < stop; i++) {
      code = text.charCodeAt(i);
      if (code === 44 /* "," */) break;
      if (code < 0x20 || code === 0x7f) {
        return fail(ProtocolErrorCode.INVALID_NAMESPACE, "namespace holds a control character");
      }
    }
    if (i - start > MAX_NAMESPACE_LENGTH) {
      return fail(
        ProtocolErrorCode.INVALID_NAMESPACE,
        `namespace is longer than ${MAX_NAMESPACE_LENGTH} characters`,
      );
    }
    packet.nsp = text.slice(start, i);
    i++;
    code = text.charCodeAt(i);
  }

  if (isDigit(code)) {
    const start = i;
    let id = 0;
    do {
      id = id * 10 + (code - 48);
      code = text.charCodeAt(++i);
    } while (isDigit(code));
    // Past 2^53 the running value is no longer exact; past 16 digits it is not safe anyway.
    if (i - start > 16 || !Number.isSafeInteger(id) || (i < length && !isJsonStart(code))) {
      return fail(ProtocolErrorCode.INVALID_ACK_ID, "ack id is not a non-negative safe integer");
    }
    packet.id = id;
  }

  if (i < length) {
    let data: unknown;
    try {
      data = JSON.parse(text.slice(i));
    } catch {
      // Text that is neither JSON nor a "/"-namespace: most likely a namespace without
      // its leading slash, e.g. `2admin,["x"]`.
      return isJsonStart(code)
        ? fail(ProtocolErrorCode.INVALID_JSON, "packet body is not valid JSON")
        : fail(ProtocolErrorCode.INVALID_NAMESPACE, 'namespace must start with "/"');
    }
    packet.data = data;
  }
  return validatePacket(packet);
}

/** Characters a valid packet body (array, object or string) starts with. */
function isJsonStart(code: number): boolean {
  return code === 91 /* [ */ || code === 123 /* { */ || code === 34 /* " */;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a packet's data against its type (CONNECT: an object or nothing; EVENT: a non-empty
 * array named by a string that is not reserved; ACK: an array and an id…). Also for packets
 * that another codec decoded (a custom `parser`), whose shape nothing else checked.
 */
export function validatePacket(packet: Packet): Packet | ProtocolError {
  const { data } = packet;
  switch (packet.type) {
    case PacketType.CONNECT:
      return data === undefined || isPlainObject(data)
        ? packet
        : fail(ProtocolErrorCode.INVALID_CONNECT_PAYLOAD, "CONNECT data must be an object");
    case PacketType.DISCONNECT:
      return data === undefined
        ? packet
        : fail(ProtocolErrorCode.INVALID_PAYLOAD, "DISCONNECT carries no data");
    case PacketType.CONNECT_ERROR:
      return typeof data === "string" || isPlainObject(data)
        ? packet
        : fail(
            ProtocolErrorCode.INVALID_PAYLOAD,
            "CONNECT_ERROR data must be an object or a string",
          );
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT: {
      if (!Array.isArray(data) || data.length === 0) {
        return fail(ProtocolErrorCode.INVALID_PAYLOAD, "EVENT data must be a non-empty array");
      }
      const name: unknown = data[0];
      if (typeof name !== "string") {
        return fail(ProtocolErrorCode.INVALID_EVENT_NAME, "event name must be a string");
      }
      if (RESERVED_EVENTS.has(name)) {
        return fail(ProtocolErrorCode.RESERVED_EVENT_NAME, `"${name}" is a reserved event name`);
      }
      return packet;
    }
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      if (packet.id === undefined) {
        return fail(ProtocolErrorCode.INVALID_ACK_ID, "ACK without an ack id");
      }
      return Array.isArray(data)
        ? packet
        : fail(ProtocolErrorCode.INVALID_PAYLOAD, "ACK data must be an array");
  }
}
