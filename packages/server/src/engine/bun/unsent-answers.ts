import type { HeaderMap } from "../cors.js";

/** Answers up to this size go to Bun whole: the socket's kernel buffer takes them at once. */
const STREAM_OVER = 64 * 1024;
/** What Bun is handed per pull of a streamed answer. */
const SLICE = 64 * 1024;

/**
 * Polling answers whose body is a counting stream, and that stream: `engine.use()` plays an
 * answer through its middleware response, which must pass such a body on as it is rather
 * than read it whole (which would make Bun's backpressure, and the count, moot).
 */
export const streamedAnswers = new WeakMap<Response, ReadableStream<Uint8Array>>();

interface Unsent {
  readonly bytes: Uint8Array;
  /** Bytes Bun pulled (handed to the socket, or about to be). */
  offset: number;
  controller: ReadableStreamDefaultController<Uint8Array> | null;
  /** The answer carrying the session's CLOSE packet: left to finish when the session ends. */
  readonly carriesClose: boolean;
}

/**
 * The polling answers Bun is still writing to a peer, counted as the Node front counts the
 * answers Node holds (`writableLength`): a peer that asks for the next GET without reading the
 * last answer would otherwise leave any amount in the server's memory, uncounted against
 * `maxBufferedBytes`. Bun gives no per-response flush progress for a whole body, so a large
 * answer is handed over as a pull stream: Bun pulls a slice only when the socket took the
 * previous one (backpressure), and what it has not pulled is what is unsent. Small answers
 * (most) go whole, uncounted: the kernel takes them at once. Null set while there are none.
 */
export class UnsentAnswers {
  #answers: Set<Unsent> | null = null;

  /**
   * The body for an answer: as it is, or (over 64 KiB) a stream that counts what is unsent,
   * whose length then goes in `headers` (Bun sends a stream chunked otherwise).
   */
  body(
    answer: string | Uint8Array,
    carriesClose: boolean,
    headers: HeaderMap,
  ): string | Uint8Array | ReadableStream<Uint8Array> {
    // A string of up to STREAM_OVER / 3 characters is at most STREAM_OVER bytes: no count.
    if (typeof answer === "string" && answer.length <= STREAM_OVER / 3) return answer;
    const bytes = typeof answer === "string" ? Buffer.from(answer) : answer;
    if (bytes.byteLength <= STREAM_OVER) return answer;
    headers["Content-Length"] = String(bytes.byteLength);
    const unsent: Unsent = { bytes, offset: 0, controller: null, carriesClose };
    if (this.#answers === null) this.#answers = new Set();
    this.#answers.add(unsent);
    const forget = () => {
      unsent.controller = null;
      this.#answers?.delete(unsent);
      if (this.#answers?.size === 0) this.#answers = null;
    };
    return new ReadableStream<Uint8Array>(
      {
        start(controller) {
          unsent.controller = controller;
        },
        pull(controller) {
          const end = Math.min(unsent.offset + SLICE, bytes.byteLength);
          controller.enqueue(bytes.subarray(unsent.offset, end));
          unsent.offset = end;
          if (end === bytes.byteLength) {
            controller.close();
            forget();
          }
        },
        // The peer went away (or the answer was cut off): nothing more will be sent.
        cancel: forget,
      },
      { highWaterMark: 0 },
    );
  }

  /** Bytes of answers Bun has not pulled yet. */
  bytes(): number {
    const answers = this.#answers;
    if (answers === null) return 0;
    let bytes = 0;
    for (const unsent of answers) bytes += unsent.bytes.byteLength - unsent.offset;
    return bytes;
  }

  /**
   * The session ended: an answer still unsent belongs to a peer that stopped reading (one that
   * reads asks for the next GET only after the whole answer). Its connection is cut (the
   * stream errors), or it would hold that memory for as long as the peer keeps it open.
   */
  cutOff(): void {
    const answers = this.#answers;
    if (answers === null) return;
    this.#answers = null;
    for (const unsent of answers) {
      if (unsent.carriesClose) {
        this.#answers ??= new Set();
        this.#answers.add(unsent);
        continue;
      }
      try {
        unsent.controller?.error(new Error("polling answer cut off: the session ended"));
      } catch {
        // Already closed by Bun.
      }
    }
  }
}
