import type { BinaryData } from "./binary-data.js";
import { ProtocolError, ProtocolErrorCode } from "./errors.js";

/** The JSON stand-in for the n-th binary attachment, as Socket.IO v5 defines it. */
export interface Placeholder {
  _placeholder: true;
  num: number;
}

/** Deeper than this, `hasBinary` stops looking (and the encoder's JSON.stringify would throw). */
const MAX_SEARCH_DEPTH = 1000;

function isBinaryObject(value: object): value is BinaryData {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

/**
 * True if `data` holds binary anywhere inside (arrays and plain objects, any depth), looking
 * through `toJSON` as JSON.stringify would. Runs once per emitted packet, so it stays lean:
 * primitives are rejected before any call, and own-property checks are only paid for values
 * that are objects.
 */
export function hasBinary(data: unknown, depth = 0): boolean {
  if (typeof data !== "object" || data === null || depth > MAX_SEARCH_DEPTH) return false;
  return objectHasBinary(data, depth);
}

function objectHasBinary(data: object, depth: number): boolean {
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      const item: unknown = data[i];
      if (typeof item === "object" && item !== null && hasBinary(item, depth + 1)) return true;
    }
    return false;
  }
  if (isBinaryObject(data)) return true;
  const toJSON = (data as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    return hasBinary((toJSON as () => unknown).call(data), depth + 1);
  }
  for (const key in data) {
    const value: unknown = (data as Record<string, unknown>)[key];
    if (
      typeof value === "object" &&
      value !== null &&
      Object.hasOwn(data, key) &&
      hasBinary(value, depth + 1)
    ) {
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
  if (isBinaryObject(data)) {
    const placeholder: Placeholder = { _placeholder: true, num: buffers.length };
    buffers.push(data);
    return placeholder;
  }
  if (Array.isArray(data)) {
    const out = new Array<unknown>(data.length);
    for (let i = 0; i < data.length; i++) out[i] = deconstruct(data[i], buffers);
    return out;
  }
  const toJSON = (data as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    return deconstruct((toJSON as () => unknown).call(data), buffers);
  }
  const out: Record<string, unknown> = {};
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    const value = deconstruct((data as Record<string, unknown>)[key], buffers);
    if (key === "__proto__") defineData(out, key, value);
    else out[key] = value;
  }
  return out;
}

/**
 * Puts the attachments back where their placeholders are, in place. Every placeholder must
 * name an attachment by integer index; anything else (a string such as `"splice"` or
 * `"__proto__"`, a float, an out-of-range index) is an INVALID_PLACEHOLDER error, because
 * indexing an array with such keys would hand the peer the array's own methods or prototype.
 *
 * The walk uses an explicit stack, not recursion: the JSON comes from the peer, and a packet of
 * a few hundred kilobytes can nest deeper than the call stack allows. `data` must be a tree, as
 * JSON.parse returns (a cycle would never end the walk).
 */
export function reconstruct(
  data: unknown,
  attachments: readonly unknown[],
): unknown | ProtocolError {
  if (typeof data !== "object" || data === null) return data;
  if (isPlaceholder(data)) return resolve(data, attachments);
  const stack: object[] = [data];
  while (stack.length > 0) {
    const container = stack.pop() as object;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const item: unknown = container[i];
        if (typeof item !== "object" || item === null) continue;
        if (isPlaceholder(item)) {
          const value = resolve(item, attachments);
          if (value instanceof ProtocolError) return value;
          container[i] = value;
        } else {
          stack.push(item);
        }
      }
      continue;
    }
    const record = container as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (typeof item !== "object" || item === null || !Object.hasOwn(record, key)) continue;
      if (isPlaceholder(item)) {
        const value = resolve(item, attachments);
        if (value instanceof ProtocolError) return value;
        // Safe even for the key "__proto__": it is an own data property here (JSON.parse
        // makes it one), and assigning to an own property never reaches the prototype setter.
        record[key] = value;
      } else {
        stack.push(item);
      }
    }
  }
  return data;
}

/**
 * Sets an own data property. Needed for the key "__proto__": JSON.parse makes it an ordinary
 * own key, but assigning to it would replace the object's prototype instead.
 */
function defineData(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

function isPlaceholder(value: object): value is Placeholder {
  return (value as { _placeholder?: unknown })._placeholder === true;
}

function resolve(placeholder: Placeholder, attachments: readonly unknown[]): unknown {
  const num: unknown = placeholder.num;
  if (typeof num !== "number" || !Number.isInteger(num) || num < 0 || num >= attachments.length) {
    return new ProtocolError(
      ProtocolErrorCode.INVALID_PLACEHOLDER,
      `placeholder num ${typeof num === "number" ? num : typeof num} does not name one of ${attachments.length} attachments`,
    );
  }
  return attachments[num];
}
