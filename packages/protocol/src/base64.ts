// `atob`/`btoa` are standard in every runtime Parley targets (browsers, Node >= 16, Bun, Deno),
// but the ES library typings do not declare them, and this package must not pull in DOM or
// Node typings. Declare just the two functions.
declare function atob(data: string): string;
declare function btoa(data: string): string;

/**
 * The slice of Node's Buffer this module uses. Found on `globalThis` at run time rather than
 * imported, so the package stays free of Node imports and still runs in browsers; where Buffer
 * exists (Node, Bun, Deno's Node mode) it is several times faster than `atob`/`btoa` plus a
 * per-byte copy.
 */
type BufferInstance = Uint8Array & { toString(encoding: "base64"): string };
interface BufferStatic {
  from(text: string, encoding: "base64"): BufferInstance;
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): BufferInstance;
  isBuffer(value: unknown): boolean;
}
const NodeBuffer = (globalThis as { Buffer?: BufferStatic }).Buffer;

// String.fromCharCode.apply is limited by the engine's maximum argument count; 32k is safe.
const CHUNK = 0x8000;

export function encodeBase64(bytes: Uint8Array): string {
  if (NodeBuffer === undefined) return encodeBase64Portable(bytes);
  const buffer = NodeBuffer.isBuffer(bytes)
    ? (bytes as BufferInstance)
    : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString("base64");
}

/** The `btoa` path, used where there is no Buffer (browsers). Exported for tests only. */
export function encodeBase64Portable(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

const EQUALS = 61;

/**
 * Bytes that `text` must decode to if it is valid base64 (standard alphabet, padding optional
 * as `atob` allows), or -1 if its length alone rules it out.
 */
function expectedByteLength(text: string): number {
  let length = text.length;
  if (length > 0 && text.charCodeAt(length - 1) === EQUALS) {
    // Padding is only ever what completes the last group of four.
    if (length % 4 !== 0) return -1;
    length--;
    if (text.charCodeAt(length - 1) === EQUALS) length--;
  }
  const rest = length % 4;
  if (rest === 1) return -1;
  return (length >> 2) * 3 + (rest === 0 ? 0 : rest - 1);
}

/**
 * Returns `null` for input that is not valid base64: characters outside the standard alphabet
 * (whitespace and the URL-safe `-`/`_` included), misplaced padding, or an impossible length.
 * Unpadded input is accepted, as `atob` accepts it.
 */
export function decodeBase64(text: string): Uint8Array | null {
  const expected = expectedByteLength(text);
  if (expected === -1) return null;
  if (NodeBuffer === undefined) return decodeBase64Portable(text, expected);
  // Buffer's decoder is lenient: it skips characters outside the alphabet and stops at a
  // stray "=", so any such character yields fewer bytes than the length predicts (a lost
  // 6-bit group always loses a byte once lengths of the form 4n+1 are refused above). It
  // does accept the URL-safe alphabet, which the standard one forbids.
  if (text.indexOf("-") !== -1 || text.indexOf("_") !== -1) return null;
  const bytes = NodeBuffer.from(text, "base64");
  return bytes.length === expected ? bytes : null;
}

/**
 * The `atob` path, used where there is no Buffer (browsers). `expected` is the byte length
 * the text's length predicts; exported (with its default) for tests only.
 */
export function decodeBase64Portable(
  text: string,
  expected = expectedByteLength(text),
): Uint8Array | null {
  if (expected === -1) return null;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  // atob also skips ASCII whitespace; the length check refuses it like the Buffer path does.
  if (binary.length !== expected) return null;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
