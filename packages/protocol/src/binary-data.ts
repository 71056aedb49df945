/**
 * Binary values the codec recognises. Node's Buffer is a Uint8Array, so it is covered; a
 * browser Blob is not, because reading it is asynchronous: clients convert it before encoding.
 */
export type BinaryData = ArrayBuffer | ArrayBufferView;

export function isBinary(value: unknown): value is BinaryData {
  return (
    typeof value === "object" &&
    value !== null &&
    (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
  );
}

/** A view on the same bytes, without copying. */
export function toUint8Array(value: BinaryData): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
