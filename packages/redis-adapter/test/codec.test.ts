import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CodecError, decode, encode } from "../src/codec.js";
import { validateMessage } from "../src/validate.js";

function roundTrip(message: object): unknown {
  const wire = encode(message);
  return decode(typeof wire === "string" ? Buffer.from(wire) : wire);
}

describe("codec", () => {
  it("sends messages without binary as plain JSON text", () => {
    const message = { type: "heartbeat", uid: "u", nsp: "/" };
    const wire = encode(message);
    expect(typeof wire).toBe("string");
    expect(roundTrip(message)).toEqual(message);
  });

  it("carries Buffers and nested binary as raw bytes, rebuilt with their type", () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const message = {
      type: "broadcast",
      packet: {
        type: 2,
        data: [
          "ev",
          Buffer.from("héllo"),
          { a: [1, { b: bytes.buffer.slice(0) }], c: new Int16Array([-1, 2]) },
          new Float32Array([0.5]),
          new DataView(new Uint8Array([7, 7]).buffer),
          new BigInt64Array([-3n]),
        ],
      },
    };
    const wire = encode(message);
    expect(Buffer.isBuffer(wire)).toBe(true);
    // Raw bytes, not base64 or a JSON array of numbers.
    expect((wire as Buffer).includes(Buffer.from("héllo"))).toBe(true);
    const out = decode(wire as Buffer) as typeof message;
    const data = out.packet.data as [
      string,
      Buffer,
      { a: [number, { b: ArrayBuffer }]; c: Int16Array },
      Float32Array,
      DataView,
      BigInt64Array,
    ];
    expect(Buffer.isBuffer(data[1])).toBe(true);
    expect(data[1].toString()).toBe("héllo");
    expect(data[2].a[0]).toBe(1);
    expect(data[2].a[1].b).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(data[2].a[1].b)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(data[2].c).toBeInstanceOf(Int16Array);
    expect([...data[2].c]).toEqual([-1, 2]);
    expect(data[3]).toBeInstanceOf(Float32Array);
    expect(data[3][0]).toBe(0.5);
    expect(data[4]).toBeInstanceOf(DataView);
    expect(data[4].getUint8(1)).toBe(7);
    expect(data[5][0]).toBe(-3n);
  });

  it("keeps a view's own bytes only (not its whole underlying buffer)", () => {
    const big = Buffer.from("0123456789");
    const out = roundTrip({ x: [big.subarray(2, 5)] }) as { x: [Buffer] };
    expect(out.x[0].toString()).toBe("234");
  });

  it("does not mistake user data for binary references", () => {
    const message = {
      data: [
        { _placeholder: true, num: 0 },
        { m: null, b: [["Buffer", "data"]] },
      ],
      bin: Buffer.from([1]),
    };
    expect(roundTrip(message)).toEqual({ ...message, bin: Buffer.from([1]) });
  });

  it("keeps a __proto__ key as data, never as a prototype", () => {
    const message = JSON.parse('{"a":{"__proto__":{"polluted":true}},"b":null}') as Record<
      string,
      unknown
    >;
    message.b = Buffer.from([1]);
    const out = roundTrip(message) as { a: Record<string, unknown> };
    expect(Object.getPrototypeOf(out.a)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ["empty", Buffer.alloc(0)],
    ["text that is not JSON", Buffer.from("{not json")],
    ["another format", Buffer.from([0x93, 0x01, 0x02])],
    ["a truncated header", Buffer.from([1, 0, 0, 0, 50, 0x7b])],
    [
      "a truncated part",
      Buffer.concat([
        Buffer.from([1, 0, 0, 0, 23]),
        Buffer.from('{"m":[null],"b":[["Buffer",0]]}'.slice(0, 23)),
      ]),
    ],
  ])("rejects %s with a CodecError", (_name, raw) => {
    expect(() => decode(raw)).toThrow(CodecError);
  });

  it("rejects references that point outside the message or at a non-null slot", () => {
    const envelope = (header: object, part: Buffer) => {
      const h = Buffer.from(JSON.stringify(header));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(part.length);
      const hl = Buffer.alloc(4);
      hl.writeUInt32BE(h.length);
      return Buffer.concat([Buffer.from([1]), hl, h, len, part]);
    };
    const part = Buffer.from([1, 2]);
    expect(() => decode(envelope({ m: { a: 1 }, b: [["Buffer", "a"]] }, part))).toThrow(CodecError);
    expect(() => decode(envelope({ m: { a: null }, b: [["Buffer", "x", "y"]] }, part))).toThrow(
      CodecError,
    );
    expect(() => decode(envelope({ m: [null], b: [["Buffer", 3]] }, part))).toThrow(CodecError);
    expect(() => decode(envelope({ m: [null], b: [["Nope", 0]] }, part))).toThrow(CodecError);
    expect(() => decode(envelope({ m: [null], b: [["Float64Array", 0]] }, part))).toThrow(
      CodecError,
    );
    expect(() => decode(envelope({ m: [null], b: [["toString", 0]] }, part))).toThrow(CodecError);
    expect(decode(envelope({ m: [null], b: [["Buffer", 0]] }, part))).toEqual([part]);
  });

  it("never throws anything but CodecError on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const raw = Buffer.from(bytes);
        try {
          decode(raw);
        } catch (err) {
          if (!(err instanceof CodecError)) throw err;
        }
      }),
    );
  });

  it("round-trips arbitrary JSON with binary sprinkled in", () => {
    const withBinary = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.string(),
        fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 5 }), tie("value"), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(withBinary.value, (value) => {
        expect(roundTrip({ v: value })).toEqual({ v: value });
      }),
    );
  });
});

describe("message validation", () => {
  const base = { uid: "u1", nsp: "/" };
  const opts = { rooms: ["r"], except: [], flags: {} };

  it("accepts every message type in its documented shape", () => {
    const good = [
      { type: "heartbeat" },
      { type: "initial-heartbeat" },
      { type: "adapter-close" },
      { type: "broadcast", packet: { type: 2, nsp: "/", data: ["ev", 1] }, opts },
      { type: "broadcast", packet: { type: 2, data: ["ev"] }, opts, requestId: "q" },
      { type: "broadcast-client-count", requestId: "q", clientCount: 3 },
      { type: "broadcast-ack", requestId: "q", reply: [1] },
      { type: "sockets-join", opts, rooms: ["a"] },
      { type: "sockets-leave", opts, rooms: ["a"] },
      { type: "sockets-join", opts, rooms: ["a"], requestId: "q" },
      { type: "sockets-applied", requestId: "q" },
      { type: "disconnect-sockets", opts, close: false },
      { type: "fetch-sockets", opts, requestId: "q" },
      {
        type: "fetch-sockets-response",
        requestId: "q",
        sockets: [{ id: "s", handshake: {}, rooms: ["s"], data: null }],
      },
      { type: "server-side-emit", packet: ["ev", 1] },
      { type: "server-side-emit-response", requestId: "q", reply: "ok" },
      { type: "restore-session", requestId: "q", pid: "p", offset: "e.1" },
      { type: "restore-session-response", requestId: "q", session: null },
      {
        type: "restore-session-response",
        requestId: "q",
        session: {
          sid: "s",
          pid: "p",
          rooms: ["s", "r"],
          data: { user: 1 },
          missedPackets: [
            ['2["ev","e.2"]'],
            ['51-["ev",{"_placeholder":true,"num":0}]', Buffer.from([1])],
          ],
        },
        ids: ["e.2", "other.9"],
        from: "e.3",
      },
      {
        type: "restore-session-response",
        requestId: "q",
        session: null,
        reason: "session_expired",
      },
      { type: "restore-session-tail", requestId: "q", holder: "u", from: "e.3", rooms: ["s"] },
      {
        type: "restore-session-tail-response",
        requestId: "q",
        tail: { ids: ["e.3"], packets: [['2["ev","e.3"]']] },
      },
      { type: "restore-session-tail-response", requestId: "q", tail: null },
      { type: "broadcast", packet: { type: 2, data: ["e"] }, opts: { rooms: [] }, id: "e.4" },
    ];
    for (const m of good) expect(typeof validateMessage({ ...base, ...m })).toBe("object");
  });

  it.each([
    ["a string", "hello"],
    ["an array", [1, 2]],
    ["no uid", { type: "heartbeat", nsp: "/" }],
    ["no nsp", { type: "heartbeat", uid: "u" }],
    ["an unknown type", { ...base, type: "explode" }],
    ["a broadcast without opts", { ...base, type: "broadcast", packet: { type: 2, data: ["e"] } }],
    [
      "a handed-over session without ids",
      {
        ...base,
        type: "restore-session-response",
        requestId: "q",
        session: { sid: "s", pid: "p", rooms: [], data: null, missedPackets: [["x"]] },
        from: "e.1",
      },
    ],
    [
      "an unknown recovery failure",
      { ...base, type: "restore-session-response", requestId: "q", session: null, reason: "meh" },
    ],
    [
      "a tail with mismatched ids",
      {
        ...base,
        type: "restore-session-tail-response",
        requestId: "q",
        tail: { ids: [], packets: [["x"]] },
      },
    ],
    [
      "a broadcast of a CONNECT packet",
      { ...base, type: "broadcast", packet: { type: 0, data: ["e"] }, opts },
    ],
    [
      "a broadcast without event name",
      { ...base, type: "broadcast", packet: { type: 2, data: [1] }, opts },
    ],
    ["rooms that are not strings", { ...base, type: "sockets-join", opts, rooms: [1] }],
    [
      "opts rooms that are a string",
      { ...base, type: "sockets-join", opts: { ...opts, rooms: "r" }, rooms: [] },
    ],
    [
      "a bad flag",
      {
        ...base,
        type: "broadcast",
        packet: { type: 2, data: ["e"] },
        opts: { ...opts, flags: { timeout: "soon" } },
      },
    ],
    [
      "a negative count",
      { ...base, type: "broadcast-client-count", requestId: "q", clientCount: -1 },
    ],
    ["a response without requestId", { ...base, type: "server-side-emit-response", reply: 1 }],
    ["an applied answer without requestId", { ...base, type: "sockets-applied" }],
    [
      "sockets that are not sockets",
      { ...base, type: "fetch-sockets-response", requestId: "q", sockets: [{ id: 1 }] },
    ],
    [
      "a restore request without offset",
      { ...base, type: "restore-session", requestId: "q", pid: "p" },
    ],
    [
      "a restored session with rooms that are not strings",
      {
        ...base,
        type: "restore-session-response",
        requestId: "q",
        session: { sid: "s", pid: "p", rooms: [1], data: null, missedPackets: [] },
      },
    ],
    [
      "a restored session whose missed packets are not frames",
      {
        ...base,
        type: "restore-session-response",
        requestId: "q",
        session: { sid: "s", pid: "p", rooms: [], data: null, missedPackets: [[{ x: 1 }]] },
      },
    ],
  ])("rejects %s", (_name, value) => {
    expect(typeof validateMessage(value)).toBe("string");
  });

  it("keeps only known flags and drops a forged ack id", () => {
    const m = validateMessage({
      ...base,
      type: "broadcast",
      packet: { type: 2, data: ["e"], id: 12, attachments: 3 },
      opts: { rooms: [], flags: { volatile: true, evil: "x" } },
    });
    expect(m).toMatchObject({
      packet: { type: 2, data: ["e"] },
      opts: { rooms: [], except: [], flags: { volatile: true } },
    });
    expect((m as { packet: object }).packet).not.toHaveProperty("id");
    expect((m as { opts: { flags: object } }).opts.flags).not.toHaveProperty("evil");
  });
});
