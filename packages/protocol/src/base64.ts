// `atob`/`btoa` are standard in every runtime Parley targets (browsers, Node >= 16, Bun, Deno),
// but the ES library typings do not declare them, and this package must not pull in DOM or
// Node typings. Declare just the two functions.
declare function atob(data: string): string;
declare function btoa(data: string): string;

// String.fromCharCode.apply is limited by the engine's maximum argument count; 32k is safe.
const CHUNK = 0x8000;

export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

/** Returns `null` for input that is not valid base64. */
export function decodeBase64(text: string): Uint8Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
