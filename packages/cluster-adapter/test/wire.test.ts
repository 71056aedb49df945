import { describe, expect, it } from "vitest";
import { fromWire, toWire, type WireMessage } from "../src/wire.js";

/** What JSON IPC does to a message (the default serialization of node:cluster). */
const overJson = (w: WireMessage): WireMessage => JSON.parse(JSON.stringify(w)) as WireMessage;
/** What advanced IPC does (structured clone). */
const overAdvanced = (w: WireMessage): WireMessage => structuredClone(w);

describe("IPC wire form of cluster messages", () => {
  const message = () => ({
    type: "broadcast",
    uid: "u1",
    nsp: "/",
    packet: {
      type: 2,
      data: [
        "ev",
        {
          buf: Buffer.from([1, 2, 3]),
          ab: new Uint8Array([9, 8]).buffer,
          f64: new Float64Array([Math.PI, -0]),
          view: new DataView(new Uint8Array([7]).buffer),
          nested: [[new Uint16Array([65535])]],
          when: new Date(0),
        },
      ],
    },
  });

  for (const [name, channel, raw] of [
    ["JSON", overJson, false],
    ["advanced", overAdvanced, true],
  ] as const) {
    it(`rebuilds every binary value as its own type over ${name} serialization`, () => {
      const original = message();
      const back = fromWire(channel(toWire(original, raw))) as ReturnType<typeof message>;
      const data = back.packet.data[1] as Record<string, unknown>;
      expect(Buffer.isBuffer(data.buf)).toBe(true);
      expect([...(data.buf as Buffer)]).toEqual([1, 2, 3]);
      expect(data.ab).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(data.ab as ArrayBuffer)]).toEqual([9, 8]);
      expect(data.f64).toBeInstanceOf(Float64Array);
      expect([...(data.f64 as Float64Array)]).toEqual([Math.PI, -0]);
      expect((data.view as DataView).getUint8(0)).toBe(7);
      expect((data.nested as Uint16Array[][])[0]?.[0]).toEqual(new Uint16Array([65535]));
      // Left alone: the original message (a local broadcast may still use it).
      expect(
        Buffer.isBuffer(
          original.packet.data[1] && (original.packet.data[1] as { buf: unknown }).buf,
        ),
      ).toBe(true);
    });
  }

  it("sends a message without binary as it is", () => {
    const plain = { type: "heartbeat", uid: "u", nsp: "/" };
    expect(toWire(plain, false)).toEqual({ m: plain });
    expect(fromWire({ m: plain })).toBe(plain);
  });

  it("refuses references that do not point at a hole, or walk into a prototype", () => {
    const bad: WireMessage[] = [
      { m: { a: 1 }, b: [["Buffer", "a"]], p: ["AQ=="] },
      { m: { a: null }, b: [["Buffer", "__proto__", "x"]], p: ["AQ=="] },
      { m: { a: null }, b: [["Nope", "a"]], p: ["AQ=="] },
      { m: { a: null }, b: [["Float64Array", "a"]], p: ["AQ=="] },
      { m: { a: null }, b: [["Buffer", "a"]], p: [] },
    ];
    for (const w of bad) expect(() => fromWire(w)).toThrow();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
