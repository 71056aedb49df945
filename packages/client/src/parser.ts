import {
  isBinary,
  type Packet,
  ProtocolError,
  ProtocolErrorCode,
  toUint8Array,
} from "@parley/protocol";

/**
 * A Socket.IO parser as socket.io-parser exports it (`{ Encoder, Decoder }`), e.g.
 * `socket.io-msgpack-parser`: what the `parser` option takes. Both ends must use the same one.
 */
export interface Parser {
  Encoder: new () => ParserEncoder;
  Decoder: new () => ParserDecoder;
}

export interface ParserEncoder {
  /** One packet as the Engine.IO messages that carry it: text, or binary. */
  encode(packet: Packet): unknown[];
}

export interface ParserDecoder {
  /** One Engine.IO message; emits "decoded" with each packet it completes, throws on bad input. */
  add(chunk: unknown): void;
  on(event: "decoded", listener: (packet: Packet) => void): unknown;
  destroy(): void;
}

/** What the Manager decodes with: Parley's own PacketDecoder has this shape. */
export interface PacketSource {
  /** A packet this message completes, null while more is needed, or why the input is bad. */
  add(chunk: string | ArrayBuffer | Uint8Array): Packet | ProtocolError | null;
  reset(): void;
}

/** How the Manager encodes and decodes when given a `parser`. */
export interface ParserSupport {
  encoder(parser: Parser): (packet: Packet) => (string | Uint8Array)[];
  decoder(parser: Parser, onPacket: (packet: Packet) => void): PacketSource;
}

const TYPES = 7;

/**
 * The shape the Socket relies on, for packets from someone else's decoder: a known type, a
 * namespace, an integer ack id, and an argument array on events and acks.
 */
function isPacket(p: Partial<Packet> | null | undefined): p is Packet {
  return (
    typeof p === "object" &&
    p !== null &&
    Number.isInteger(p.type) &&
    (p.type as number) >= 0 &&
    (p.type as number) < TYPES &&
    typeof p.nsp === "string" &&
    (p.id === undefined || Number.isInteger(p.id)) &&
    // EVENT, ACK, BINARY_EVENT, BINARY_ACK carry arguments
    (![2, 3, 5, 6].includes(p.type as number) || Array.isArray(p.data))
  );
}

/**
 * Custom parsers: kept out of the default browser bundle (scripts/build-browser.mjs), which
 * uses Parley's own codec only; the Node and npm browser entries, and the msgpack bundle,
 * include it. A decoder that throws, or hands over a packet of the wrong shape, ends the
 * connection with "parse error" like bad input for Parley's codec does.
 */
export const parserSupport: ParserSupport = {
  encoder(parser) {
    const encoder = new parser.Encoder();
    return (packet) =>
      encoder.encode(packet).map((frame) => {
        if (typeof frame === "string") return frame;
        if (isBinary(frame)) return toUint8Array(frame);
        throw new TypeError("parser: Encoder.encode() must return strings or binary");
      });
  },
  decoder(parser, onPacket) {
    const decoder = new parser.Decoder();
    let malformed = false;
    decoder.on("decoded", (packet) => {
      if (isPacket(packet)) onPacket(packet);
      else malformed = true;
    });
    return {
      add(chunk) {
        malformed = false;
        try {
          decoder.add(chunk);
        } catch (err) {
          return new ProtocolError(ProtocolErrorCode.INVALID_PAYLOAD, `parser: ${err}`);
        }
        return malformed
          ? new ProtocolError(ProtocolErrorCode.INVALID_PAYLOAD, "parser: malformed packet")
          : null;
      },
      reset: () => decoder.destroy(),
    };
  },
};
