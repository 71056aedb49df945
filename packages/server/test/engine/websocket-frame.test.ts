import { describe, expect, it } from "vitest";
import * as wsExports from "ws";
import { frameMessage } from "../../src/engine/node/websocket-framer.js";

type FrameFn = (
  data: Buffer,
  options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
) => Buffer[];

// ws's own framing (the reference): Sender.frame, as the broadcast path uses it.
const sender = (wsExports as unknown as { Sender: { frame: FrameFn } }).Sender;

function reference(data: string | Uint8Array): Buffer {
  const payload = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
  const parts = sender.frame(payload, {
    fin: true,
    opcode: typeof data === "string" ? 1 : 2,
    mask: false,
    readOnly: true,
    rsv1: false,
  });
  return Buffer.concat(parts);
}

describe("frameMessage", () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 70_000])(
    "frames %i bytes of text exactly as ws does",
    (n) => {
      const text = "x".repeat(n);
      expect(frameMessage(text).equals(reference(text))).toBe(true);
    },
  );

  it("counts UTF-8 bytes, not UTF-16 units, in the length", () => {
    // 124 characters, 126+ bytes: crosses the 7-bit length boundary only in bytes.
    const text = `4${"é".repeat(62)}${"😀".repeat(15)}`;
    const frame = frameMessage(text);
    expect(frame.equals(reference(text))).toBe(true);
    expect(frame[1]).toBe(126);
  });

  it.each([0, 5, 200, 66_000])("frames %i bytes of binary as ws does", (n) => {
    const bytes = new Uint8Array(n).map((_, i) => i & 0xff);
    expect(frameMessage(bytes).equals(reference(bytes))).toBe(true);
    // A view into a larger buffer is framed from its own window only.
    const big = new Uint8Array(n + 10).map((_, i) => (i + 3) & 0xff);
    const view = big.subarray(5, 5 + n);
    expect(frameMessage(view).equals(reference(view))).toBe(true);
  });
});
