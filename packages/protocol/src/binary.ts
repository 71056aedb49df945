import { type BinaryData, isBinary } from "./binary-data.js";
import { ProtocolError, ProtocolErrorCode } from "./errors.js";

/** The JSON stand-in for the n-th binary attachment, as Socket.IO v5 defines it. */
export interface Placeholder {
  _placeholder: true;
  num: number;
}

function isPlaceholder(value: object): value is Placeholder {
  return (value as { _placeholder?: unknown })._placeholder === true;
}

/** True if `data` holds binary anywhere inside (arrays and plain objects, any depth). */
export function hasBinary(data: unknown, depth = 0): boolean {
  if (typeof data !== "object" || data === null || depth > 1000) return false;
  if (isBinary(data)) return true;
  if (Array.isArray(data)) {
    for (const item of data) if (hasBinary(item, depth + 1)) return true;
    return false;
  }
  const toJSON = (data as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    return hasBinary((toJSON as () => unknown).call(data), depth + 1);
  }
  for (const key in data) {
    if (Object.hasOwn(data, key) && hasBinary((data as Record<string, unknown>)[key], depth + 1)) {
      return true;
    }
  }
  return false;
}

/**
 * Replaces every binary value with a placeholder and collects the binaries in order.
 * Returns a fresh structure; the caller's data is not mutated.
 */
export function deconstruct(data: unknown, buffers: BinaryData[]): unknown {
  if (typeof data !== "object" || data === null) return data;
  if (isBinary(data)) {
    const placeholder: Placeholder = { _placeholder: true, num: buffers.length };
    buffers.push(data);
    return placeholder;
  }
  if (Array.isArray(data)) return data.map((item) => deconstruct(item, buffers));
  const toJSON = (data as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    return deconstruct((toJSON as () => unknown).call(data), buffers);
  }
  const out: Record<string, unknown> = {};
  for (const key in data) {
    if (Object.hasOwn(data, key))
      out[key] = deconstruct((data as Record<string, unknown>)[key], buffers);
  }
  return out;
}

/**
 * Puts the attachments back where their placeholders are, in place. Every placeholder must
 * name an attachment by integer index; anything else (a string such as `"splice"` or
 * `"__proto__"`, a float, an out-of-range index) is an INVALID_PLACEHOLDER error, because
 * indexing an array with such keys would hand the peer the array's own methods or prototype.
 */
export function reconstruct(
  data: unknown,
  attachments: readonly unknown[],
): unknown | ProtocolError {
  if (typeof data !== "object" || data === null) return data;
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      const item = reconstruct(data[i], attachments);
      if (item instanceof ProtocolError) return item;
      data[i] = item;
    }
    return data;
  }
  if (isPlaceholder(data)) {
    const { num } = data;
    if (typeof num !== "number" || !Number.isInteger(num) || num < 0 || num >= attachments.length) {
      return new ProtocolError(
        ProtocolErrorCode.INVALID_PLACEHOLDER,
        `placeholder num ${JSON.stringify(num)} does not name one of ${attachments.length} attachments`,
      );
    }
    return attachments[num];
  }
  const record = data as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const original = record[key];
    const value = reconstruct(original, attachments);
    if (value instanceof ProtocolError) return value;
    // defineProperty, not assignment: JSON.parse makes "__proto__" an own key, and assigning
    // to it would replace the object's prototype instead.
    if (value !== original) {
      Object.defineProperty(record, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
  return record;
}
