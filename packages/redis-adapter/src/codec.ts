import { hasBinary } from "@parley/protocol";

/**
 * The wire form of a cluster message on Redis.
 *
 * - Without binary: the message as JSON text (it starts with `{`).
 * - With binary: byte 0x01, then a big-endian uint32 header length, then the header as JSON
 *   `{ "m": message, "b": [[kind, ...path], …] }` where each binary value of `message` is
 *   replaced by null and listed in `b` by its path from the root, then each binary part as a
 *   uint32 length followed by its bytes. `kind` names the type to rebuild (Buffer,
 *   ArrayBuffer, Uint8Array, Float32Array…).
 *
 * Binary values travel as raw bytes (no base64), and no in-band placeholder object exists
 * that user data could forge: paths live outside the message.
 */

const BINARY_ENVELOPE = 0x01;
const JSON_START = 0x7b; // "{"
const ARRAY_START = 0x5b; // "["
/** Deeper than this the walk stops: such values are serialized by JSON as they are. */
const MAX_DEPTH = 256;

type TypedArrayCtor = new (
  buffer: ArrayBuffer,
  byteOffset?: number,
  length?: number,
) => ArrayBufferView;

const VIEW_KINDS: Record<string, TypedArrayCtor & { BYTES_PER_ELEMENT?: number }> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
};

type PathStep = string | number;
type BinaryRef = [kind: string, ...path: PathStep[]];

export class CodecError extends Error {
  readonly code = "MALFORMED_MESSAGE";
}

function kindOf(value: unknown): string | undefined {
  if (Buffer.isBuffer(value)) return "Buffer";
  if (value instanceof ArrayBuffer) return "ArrayBuffer";
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    return name in VIEW_KINDS ? name : "Uint8Array";
  }
  return undefined;
}

function bytesOf(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** Encodes a message for PUBLISH: a string when it holds no binary, a Buffer otherwise. */
export function encode(message: object): string | Buffer {
  if (!hasBinary(message)) return JSON.stringify(message);
  const refs: BinaryRef[] = [];
  const parts: Uint8Array[] = [];
  const stripped = strip(message, [], refs, parts, 0);
  const header = Buffer.from(JSON.stringify({ m: stripped, b: refs }));
  let size = 5 + header.length;
  for (const part of parts) size += 4 + part.byteLength;
  const out = Buffer.allocUnsafe(size);
  out[0] = BINARY_ENVELOPE;
  out.writeUInt32BE(header.length, 1);
  header.copy(out, 5);
  let offset = 5 + header.length;
  for (const part of parts) {
    out.writeUInt32BE(part.byteLength, offset);
    out.set(part, offset + 4);
    offset += 4 + part.byteLength;
  }
  return out;
}

/** A copy of `value` with binary replaced by null; each one's path and bytes are collected. */
function strip(
  value: unknown,
  path: PathStep[],
  refs: BinaryRef[],
  parts: Uint8Array[],
  depth: number,
): unknown {
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
  const kind = kindOf(value);
  if (kind !== undefined) {
    refs.push([kind, ...path]);
    parts.push(bytesOf(value as ArrayBuffer | ArrayBufferView));
    return null;
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => strip(item, [...path, i], refs, parts, depth + 1));
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    return strip((toJSON as () => unknown).call(value), path, refs, parts, depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = strip(
      (value as Record<string, unknown>)[key],
      [...path, key],
      refs,
      parts,
      depth + 1,
    );
    // defineProperty: a key named "__proto__" stays a plain own property.
    Object.defineProperty(out, key, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Decodes what a subscriber received. Throws `CodecError` on anything malformed. */
export function decode(raw: Buffer): unknown {
  const first = raw[0];
  // An array: a stored broadcast of durable sessions (durable/stored-message.ts).
  if (first === JSON_START || first === ARRAY_START) return parseJson(raw.toString("utf8"));
  if (first !== BINARY_ENVELOPE || raw.length < 5) {
    throw new CodecError("not a Parley cluster message");
  }
  const headerLength = raw.readUInt32BE(1);
  if (5 + headerLength > raw.length) throw new CodecError("truncated header");
  const header = parseJson(raw.toString("utf8", 5, 5 + headerLength));
  if (typeof header !== "object" || header === null) throw new CodecError("bad header");
  const { m: message, b: refs } = header as { m?: unknown; b?: unknown };
  if (!Array.isArray(refs)) throw new CodecError("bad binary list");
  let offset = 5 + headerLength;
  for (const ref of refs) {
    if (offset + 4 > raw.length) throw new CodecError("truncated binary part");
    const length = raw.readUInt32BE(offset);
    const start = offset + 4;
    offset = start + length;
    if (offset > raw.length) throw new CodecError("truncated binary part");
    place(message, ref, raw.subarray(start, offset));
  }
  if (offset !== raw.length) throw new CodecError("trailing bytes");
  return message;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CodecError("invalid JSON");
  }
}

/** Puts one binary part back at its path, which must lead to a null slot. */
function place(root: unknown, ref: unknown, bytes: Buffer): void {
  if (!Array.isArray(ref) || ref.length < 2 || typeof ref[0] !== "string") {
    throw new CodecError("bad binary reference");
  }
  const kind = ref[0];
  let node: unknown = root;
  for (let i = 1; i < ref.length - 1; i++) node = child(node, ref[i]);
  const last: unknown = ref[ref.length - 1];
  if (child(node, last) !== null) throw new CodecError("binary reference to a non-null slot");
  Object.defineProperty(node, last as PathStep, {
    value: rebuild(kind, bytes),
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function child(node: unknown, step: unknown): unknown {
  const ok =
    typeof node === "object" &&
    node !== null &&
    (Array.isArray(node)
      ? typeof step === "number" && Number.isInteger(step) && step >= 0 && step < node.length
      : typeof step === "string" && Object.hasOwn(node, step));
  if (!ok) throw new CodecError("binary reference outside the message");
  return (node as Record<PathStep, unknown>)[step as PathStep];
}

function rebuild(kind: string, bytes: Buffer): unknown {
  if (kind === "Buffer") return bytes;
  // Copy into a fresh, aligned buffer of exactly the part's size.
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  if (kind === "ArrayBuffer") return copy;
  const View = Object.hasOwn(VIEW_KINDS, kind) ? VIEW_KINDS[kind] : undefined;
  if (View === undefined) throw new CodecError(`unknown binary kind ${kind}`);
  const width = View.BYTES_PER_ELEMENT ?? 1;
  if (copy.byteLength % width !== 0) throw new CodecError(`bad ${kind} length`);
  return View === DataView ? new DataView(copy) : new View(copy, 0, copy.byteLength / width);
}
