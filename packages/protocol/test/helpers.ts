import {
  type DecodeResult,
  type EncodedPacket,
  type Packet,
  PacketDecoder,
  ProtocolError,
  ProtocolErrorCode,
  type RawData,
} from "@parley/protocol";

export const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ProtocolErrorCode));

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/**
 * A comparable copy of a value: every binary becomes `{ $bytes: [...] }`, so a Buffer, a
 * Uint8Array and a copy of either compare by content. Own `__proto__` keys are kept as data.
 */
export function normalize(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (ArrayBuffer.isView(value)) {
    return { $bytes: Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  }
  if (value instanceof ArrayBuffer) return { $bytes: Array.from(new Uint8Array(value)) };
  if (Array.isArray(value)) return value.map(normalize);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: normalize((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Feeds every frame to a fresh decoder; returns the results of each `add`. */
export function decodeFrames(frames: readonly RawData[], decoder = new PacketDecoder()) {
  const results: DecodeResult[] = [];
  for (const frame of frames) results.push(decoder.add(frame));
  return results;
}

/**
 * Decodes the frames of one packet and insists on exactly one packet at the end. Random trees
 * can hold more binaries than the default limit of 10, so the limit is raised here; the limit
 * itself has its own tests.
 */
export function decodeOne(frames: EncodedPacket | readonly RawData[]): Packet {
  const results = decodeFrames(frames, new PacketDecoder({ maxAttachments: 10_000 }));
  const last = results[results.length - 1];
  for (const early of results.slice(0, -1)) {
    if (early !== null) throw new Error(`unexpected early result ${String(early)}`);
  }
  if (last === null || last === undefined) throw new Error("no packet decoded");
  if (last instanceof ProtocolError) throw last;
  return last;
}

/** Asserts a decoder result is a ProtocolError and returns its code. */
export function errorCode(result: unknown): string {
  if (!(result instanceof ProtocolError)) {
    throw new Error(`expected a ProtocolError, got ${JSON.stringify(normalize(result))}`);
  }
  return result.code;
}

/**
 * mulberry32: a tiny seeded PRNG. Fuzz loops use it instead of fast-check because they run
 * hundreds of thousands of cases and need a fraction of a microsecond per draw.
 */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

export type Random = ReturnType<typeof createRandom>;
