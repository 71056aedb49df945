/**
 * What travels over the IPC channel between a worker and the primary.
 *
 * Node's IPC serializes with JSON by default, which turns a Buffer into `{type, data: [...]}`
 * and an ArrayBuffer into `{}`; with `serialization: "advanced"` (structured clone) binary
 * survives. A cluster message may carry binary anywhere (a broadcast's payload, a replayed
 * packet), so each binary value is taken out of the message, its place recorded as a path
 * outside it (no in-band placeholder that user data could forge), and sent as a part:
 * raw bytes where the channel keeps them, base64 where it does not. The receiver rebuilds
 * each value as the type it was.
 */

/** Marks Parley's messages among everything else on the channel (sticky's, the app's). */
export const MARKER = "parley:cluster-adapter:1";

type PathStep = string | number;
/** `[kind, ...path]`: the type to rebuild and where the value sits in the message. */
export type BinaryRef = [kind: string, ...path: PathStep[]];
/** A binary part: raw bytes (advanced serialization) or base64 (JSON serialization). */
export type BinaryPart = Uint8Array | string;

/** A cluster message ready for `process.send`, with its binary parts beside it. */
export interface WireMessage {
  m: unknown;
  b?: BinaryRef[];
  p?: BinaryPart[];
}

/** Worker → primary. `publish` goes to every other worker; `respond` to the worker of `to`. */
export type WorkerEnvelope =
  | { parley: typeof MARKER; kind: "hello" }
  | ({ parley: typeof MARKER; kind: "publish" } & WireMessage)
  | ({ parley: typeof MARKER; kind: "respond"; to: string } & WireMessage);

/** Primary → worker. `welcome` answers `hello`, `probe` tells whether bytes survive IPC. */
export type PrimaryEnvelope =
  | { parley: typeof MARKER; kind: "welcome"; probe: unknown }
  | ({ parley: typeof MARKER; kind: "deliver" } & WireMessage);

type ViewCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;

const VIEWS: Record<string, ViewCtor & { BYTES_PER_ELEMENT?: number }> = {
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

/** Deeper than this the walk stops (the value is then serialized as the channel does it). */
const MAX_DEPTH = 128;

function kindOf(value: unknown): string | undefined {
  if (Buffer.isBuffer(value)) return "Buffer";
  if (value instanceof ArrayBuffer) return "ArrayBuffer";
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    return name in VIEWS ? name : "Uint8Array";
  }
  return undefined;
}

function bytesOf(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Splits `message` into its JSON-safe part and its binary parts. `rawBytes`: the channel
 * keeps bytes (advanced serialization), so parts go as they are instead of base64.
 * The message is not modified: containers on a binary value's path are copied.
 */
export function toWire(message: unknown, rawBytes: boolean): WireMessage {
  const refs: BinaryRef[] = [];
  const parts: BinaryPart[] = [];
  const walk = (value: unknown, path: PathStep[]): unknown => {
    const kind = kindOf(value);
    if (kind !== undefined) {
      refs.push([kind, ...path]);
      const bytes = bytesOf(value as ArrayBuffer | ArrayBufferView);
      parts.push(rawBytes ? bytes : Buffer.from(bytes).toString("base64"));
      return null;
    }
    if (typeof value !== "object" || value === null || path.length >= MAX_DEPTH) return value;
    // Dates and anything else with toJSON keep their own serialization.
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const out = walk(item, [...path, i]);
        if (out !== item) {
          copy ??= [...value];
          copy[i] = out;
        }
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    for (const [k, item] of Object.entries(value)) {
      const out = walk(item, [...path, k]);
      if (out !== item) {
        copy ??= { ...(value as Record<string, unknown>) };
        copy[k] = out;
      }
    }
    return copy ?? value;
  };
  const m = walk(message, []);
  return refs.length === 0 ? { m } : { m, b: refs, p: parts };
}

/** Rebuilds the message `toWire` split; throws on a malformed one (the caller logs it). */
export function fromWire(wire: WireMessage): unknown {
  const { m, b, p } = wire;
  if (b === undefined) return m;
  if (!Array.isArray(b) || !Array.isArray(p) || b.length !== p.length) {
    throw new Error("binary parts do not match their references");
  }
  let root = m;
  b.forEach((ref, i) => {
    if (!Array.isArray(ref) || typeof ref[0] !== "string") throw new Error("bad binary ref");
    const [kind, ...path] = ref;
    const value = rebuild(kind, p[i]);
    if (path.length === 0) {
      root = value;
      return;
    }
    let parent: unknown = root;
    for (const step of path.slice(0, -1)) parent = child(parent, step);
    const last = path[path.length - 1] as PathStep;
    if (child(parent, last) !== null) throw new Error("binary ref does not point at a hole");
    (parent as Record<PathStep, unknown>)[last] = value;
  });
  return root;
}

/** An own property only: a path can never walk into a prototype. */
function child(parent: unknown, step: unknown): unknown {
  if (typeof parent !== "object" || parent === null) throw new Error("bad binary path");
  if (typeof step !== "string" && typeof step !== "number") throw new Error("bad binary path");
  if (!Object.hasOwn(parent, step)) throw new Error("bad binary path");
  return (parent as Record<PathStep, unknown>)[step];
}

function rebuild(kind: string, part: unknown): unknown {
  let bytes: Uint8Array;
  if (typeof part === "string") bytes = Buffer.from(part, "base64");
  else if (part instanceof Uint8Array) bytes = part;
  else throw new Error("bad binary part");
  if (kind === "Buffer") return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A fresh, exactly sized copy (Buffer#slice would share the pool): views need aligned
  // offsets, and an ArrayBuffer must not expose its neighbours' bytes.
  const own = new Uint8Array(bytes).buffer;
  if (kind === "ArrayBuffer") return own;
  const View = VIEWS[kind];
  if (View === undefined) throw new Error(`unknown binary kind ${kind.slice(0, 20)}`);
  const width = View.BYTES_PER_ELEMENT ?? 1;
  if (own.byteLength % width !== 0) throw new Error("binary part of the wrong length");
  return new View(own, 0, own.byteLength / width);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
