// Base64 has two paths: Buffer where it exists (Node, Bun) and atob/btoa elsewhere (browsers).
// Both must agree with each other and with a plain reading of RFC 4648, on every input.

import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeBase64,
  decodeBase64Portable,
  encodeBase64,
  encodeBase64Portable,
} from "../src/base64.js";

/** The reference rule: standard alphabet, padding only to complete the last group of four. */
function isStrictBase64(text: string): boolean {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return false;
  const padded = text.endsWith("=");
  if (padded) return text.length % 4 === 0;
  return text.length % 4 !== 1;
}

const bytesOf = (value: Uint8Array | null) => (value === null ? null : Array.from(value));

describe("base64", () => {
  it("both encoders match Buffer's encoding, for Uint8Array, Buffer and offset views", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(8), (array, offset) => {
        const expected = Buffer.from(array).toString("base64");
        expect(encodeBase64(array)).toBe(expected);
        expect(encodeBase64(Buffer.from(array))).toBe(expected);
        expect(encodeBase64Portable(array)).toBe(expected);
        const shifted = new Uint8Array(array.length + offset);
        shifted.set(array, offset);
        const view = shifted.subarray(offset);
        expect(encodeBase64(view)).toBe(expected);
        expect(encodeBase64Portable(view)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("encodes inputs larger than the portable path's 32 kB chunk", () => {
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 255);
    expect(encodeBase64Portable(big)).toBe(Buffer.from(big).toString("base64"));
    expect(bytesOf(decodeBase64Portable(encodeBase64(big)))).toEqual(Array.from(big));
  });

  it("both decoders invert the encoder, padded or not", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (array) => {
        const text = encodeBase64(array);
        expect(bytesOf(decodeBase64(text))).toEqual(Array.from(array));
        expect(bytesOf(decodeBase64Portable(text))).toEqual(Array.from(array));
        const unpadded = text.replace(/=+$/, "");
        expect(bytesOf(decodeBase64(unpadded))).toEqual(Array.from(array));
        expect(bytesOf(decodeBase64Portable(unpadded))).toEqual(Array.from(array));
      }),
      { numRuns: 500 },
    );
  });

  it("both decoders accept exactly the strict alphabet and padding rules, and agree", () => {
    const noisy = fc.string({
      unit: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(..."ABCDQIwxyz0189+/") },
        { weight: 2, arbitrary: fc.constantFrom("=", "-", "_", " ", "\n", "!", "é", "\u0100") },
      ),
      maxLength: 24,
    });
    fc.assert(
      fc.property(noisy, (text) => {
        const fast = decodeBase64(text);
        const portable = decodeBase64Portable(text);
        expect(fast === null).toBe(!isStrictBase64(text));
        expect(bytesOf(fast)).toEqual(bytesOf(portable));
      }),
      { numRuns: 3_000 },
    );
  });
});
