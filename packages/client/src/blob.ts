/**
 * Blob and File cannot be encoded synchronously (reading them is async), so the Manager
 * converts them to bytes before encoding. Node 20 has a global Blob too.
 */
function isBlob(value: unknown): value is Blob {
  return typeof Blob === "function" && value instanceof Blob;
}

export function hasBlob(data: unknown, depth = 0): boolean {
  if (isBlob(data)) return true;
  if (typeof data !== "object" || data === null || depth > 100 || ArrayBuffer.isView(data)) {
    return false;
  }
  for (const value of Array.isArray(data) ? data : Object.values(data)) {
    if (hasBlob(value, depth + 1)) return true;
  }
  return false;
}

/** A copy of `data` with every Blob replaced by its bytes. */
export async function convertBlobs(data: unknown, depth = 0): Promise<unknown> {
  if (isBlob(data)) return new Uint8Array(await data.arrayBuffer());
  if (!hasBlob(data, depth)) return data;
  if (Array.isArray(data)) return Promise.all(data.map((v) => convertBlobs(v, depth + 1)));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data as object)) {
    out[key] = await convertBlobs(value, depth + 1);
  }
  return out;
}
