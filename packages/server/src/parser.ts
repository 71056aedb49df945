import {
  isBinary,
  type Packet,
  PacketType,
  ProtocolError,
  ProtocolErrorCode,
  type RawData,
  toUint8Array,
  validatePacket,
} from "@parley/protocol";

/**
 * socket.io-parser's encoder shape: one packet in, the Engine.IO messages that carry it out
 * (strings or binary), in order.
 */
export interface ParserEncoder {
  encode(packet: Packet): unknown[];
}

/**
 * socket.io-parser's decoder shape: fed each Engine.IO message, it emits `"decoded"` with each
 * complete packet, and throws on input it cannot decode.
 */
export interface ParserDecoder {
  add(chunk: unknown): void;
  on(event: "decoded", listener: (packet: unknown) => void): unknown;
  destroy?(): void;
}

/**
 * The `parser` option: a module with socket.io-parser's `{ Encoder, Decoder }` shape, such as
 * `socket.io-msgpack-parser`. Both ends of a connection must use the same one.
 */
export interface ParserModule {
  Encoder: new () => ParserEncoder;
  Decoder: new () => ParserDecoder;
}

/**
 * A custom parser, checked once at construction. One encoder serves the whole server (as in
 * socket.io); each connection gets its own decoder. Parley's own codec is used when no parser
 * is given, and none of this code runs then.
 */
export class CustomParser {
  readonly #encoder: ParserEncoder;
  readonly #Decoder: new () => ParserDecoder;

  constructor(module: unknown) {
    const m = module as Partial<ParserModule> | null;
    if (
      typeof m !== "object" ||
      m === null ||
      typeof m.Encoder !== "function" ||
      typeof m.Decoder !== "function"
    ) {
      throw new TypeError(
        "option parser must be a module with socket.io-parser's shape, { Encoder, Decoder } " +
          '(for example require("socket.io-msgpack-parser")); omit it for the default parser',
      );
    }
    this.#encoder = new m.Encoder();
    this.#Decoder = m.Decoder;
    if (typeof this.#encoder.encode !== "function") {
      throw new TypeError("option parser: new Encoder() has no encode(packet) method");
    }
  }

  /** The Engine.IO messages carrying `packet`. */
  encode(packet: Packet): RawData[] {
    const out = this.#encoder.encode(packet);
    if (!Array.isArray(out)) throw new TypeError("parser: encode() must return an array");
    const frames: RawData[] = [];
    for (const frame of out) {
      if (typeof frame === "string") frames.push(frame);
      else if (isBinary(frame)) frames.push(toUint8Array(frame));
      else throw new TypeError("parser: encode() must return strings and binary data");
    }
    return frames;
  }

  /** A decoder for one connection; `onPacket` gets each decoded packet, already checked. */
  createDecoder(onPacket: (packet: Packet | ProtocolError) => void): ParserDecoder {
    const decoder = new this.#Decoder();
    decoder.on("decoded", (value) => onPacket(checkPacket(value)));
    return decoder;
  }
}

const PACKET_TYPES: ReadonlySet<unknown> = new Set(Object.values(PacketType));

/**
 * Another codec's output is as untrusted as the bytes it came from: check what Parley's own
 * decoder guarantees (type, namespace, ack id, data shape) and copy only the known fields.
 */
export function checkPacket(value: unknown): Packet | ProtocolError {
  if (typeof value !== "object" || value === null) {
    return new ProtocolError(ProtocolErrorCode.INVALID_PAYLOAD, "decoded packet is not an object");
  }
  const { type, nsp, id, data } = value as Record<string, unknown>;
  if (!PACKET_TYPES.has(type)) {
    return new ProtocolError(ProtocolErrorCode.UNKNOWN_PACKET_TYPE, "unknown packet type");
  }
  if (typeof nsp !== "string" || !nsp.startsWith("/")) {
    return new ProtocolError(ProtocolErrorCode.INVALID_NAMESPACE, 'namespace must start with "/"');
  }
  if (id !== undefined && (!Number.isSafeInteger(id) || (id as number) < 0)) {
    return new ProtocolError(
      ProtocolErrorCode.INVALID_ACK_ID,
      "ack id is not a non-negative safe integer",
    );
  }
  const packet: Packet = { type: type as PacketType, nsp };
  if (id !== undefined) packet.id = id as number;
  if (data !== undefined) packet.data = data;
  return validatePacket(packet);
}
