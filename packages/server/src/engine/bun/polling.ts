import { ProtocolError } from "@parley/protocol";
import { debugLog } from "../../debug.js";
import {
  isPrepared,
  type OutgoingItem,
  type Transport,
  type TransportSink,
} from "../core/transport.js";
import { TRANSPORTS } from "../core/transports.js";
import type { HeaderMap } from "../cors.js";
import { compress, negotiateEncoding } from "../http-compression.js";
import type { ResolvedOptions } from "../options.js";
import { ENGINE_V4_POLLING } from "../polling-format.js";
import type { PollingFormat } from "../wire-format.js";
import type { BunRequestRecord } from "./request-record.js";
import { BAD_REQUEST, engineError, fetchHeaders, jsonError, responseBody } from "./responses.js";
import { streamedAnswers, UnsentAnswers } from "./unsent-answers.js";

/** What the Bun polling transport needs from its engine (one object for all sessions). */
export interface BunPollingHost {
  readonly options: ResolvedOptions;
  /** The engine's own headers (hooks, cookie); `sid` is set on the handshake answer. */
  decorateHeaders(req: BunRequestRecord, headers: HeaderMap, sid: string | undefined): void;
}

const log = debugLog("parley:engine:polling", "engine:polling");

/** A GET waiting for packets: its answer is a promise the fetch handler returned. */
interface PendingPoll {
  readonly req: BunRequestRecord;
  readonly resolve: (response: Response) => void;
}

/** A polling answer's Response; a counted stream stays known (see `streamedBody`). */
function answerResponse(
  answer: string | Uint8Array | ReadableStream<Uint8Array>,
  headers: HeaderMap,
): Response {
  const init = { status: 200, headers: fetchHeaders(headers) };
  if (!(answer instanceof ReadableStream)) return new Response(responseBody(answer), init);
  const response = new Response(answer, init);
  streamedAnswers.set(response, answer);
  return response;
}

function toBytes(chunks: Uint8Array[], length: number): Buffer {
  return chunks.length === 1 ? Buffer.from(chunks[0] as Uint8Array) : Buffer.concat(chunks, length);
}

/**
 * HTTP long-polling on Bun's fetch handler: a GET's Response is a promise settled by the next
 * `write`; a POST's body is read with the `maxHttpBufferSize` limit and answered `ok`. The
 * same wire formats as on Node (`PollingFormat`), so v3 sessions work too.
 */
export class BunPollingTransport implements Transport {
  readonly name = "polling" as const;
  readonly duplex = false;
  readonly upgradesTo = TRANSPORTS.polling.upgradesTo;
  readonly #host: BunPollingHost;
  readonly #format: PollingFormat;
  #handshakeSid: string | undefined;
  #sink: TransportSink | null = null;
  #poll: PendingPoll | null = null;
  #receiving = false;
  #closed = false;
  /** Large answers Bun is still writing (counted in `bufferedBytes`, see unsent-answers.ts). */
  readonly #unsent = new UnsentAnswers();

  constructor(host: BunPollingHost, sid: string, format: PollingFormat = ENGINE_V4_POLLING) {
    this.#host = host;
    this.#format = format;
    this.#handshakeSid = sid;
  }

  bind(sink: TransportSink): void {
    this.#sink = sink;
  }

  get writable(): boolean {
    return this.#poll !== null;
  }

  bufferedBytes(): number {
    return this.#unsent.bytes();
  }

  /** Answers one request for this session (its Response may wait for packets). */
  onRequest(req: BunRequestRecord, request: Request): Response | Promise<Response> {
    if (this.#closed) return engineError(BAD_REQUEST);
    if (req.method === "GET") return this.#onPoll(req, request);
    if (req.method === "POST") return this.#onData(req, request);
    return engineError(BAD_REQUEST);
  }

  write(items: readonly OutgoingItem[], done?: () => void): void {
    const poll = this.#poll;
    if (poll === null) return;
    this.#poll = null;
    const { body, compress: wantsCompression } = this.#format.encode(items);
    const sid = this.#handshakeSid;
    this.#handshakeSid = undefined;
    const last = items[items.length - 1];
    const carriesClose = last !== undefined && !isPrepared(last) && last.type === "close";
    const headers: HeaderMap = {
      "Content-Type":
        typeof body === "string" ? "text/plain; charset=UTF-8" : "application/octet-stream",
      "Cache-Control": "no-store",
    };
    const compression = this.#host.options.httpCompression;
    const encoding =
      compression !== false && wantsCompression && Buffer.byteLength(body) >= compression.threshold
        ? negotiateEncoding(poll.req.headers["accept-encoding"] as string | undefined)
        : null;
    this.#host.decorateHeaders(poll.req, headers, sid);
    if (log.enabled) log("writing %j", body);
    if (encoding === null) {
      const answer = this.#unsent.body(body, carriesClose, headers);
      poll.resolve(answerResponse(answer, headers));
      done?.();
    } else {
      compress(encoding, body, compression === false ? {} : compression.zlib, (err, out) => {
        if (err) {
          poll.resolve(jsonError(500, BAD_REQUEST, "compression failed"));
          return;
        }
        headers["Content-Encoding"] = encoding;
        const answer = this.#unsent.body(out, carriesClose, headers);
        poll.resolve(answerResponse(answer, headers));
        done?.();
      });
    }
    this.#sink?.onTransportDrain(this);
  }

  /** Polling answers whole responses: one item is a response of its own. */
  writeItem(item: OutgoingItem, _notifyDrain: boolean, done?: () => void): void {
    this.write([item], done);
  }

  close(): void {
    if (this.#closed) return;
    if (this.#poll !== null) this.write([{ type: "close" }]);
    this.#closed = true;
    this.#unsent.cutOff();
  }

  /** Leaves this session for another transport: a GET still waiting is released with a noop. */
  discard(): void {
    if (this.#closed) return;
    if (this.#poll !== null) this.write([{ type: "noop" }]);
    this.#closed = true;
  }

  #fail(reason: "transport error" | "parse error", message: string | Error): void {
    if (this.#closed) return;
    const error = typeof message === "string" ? new Error(message) : message;
    if (log.enabled) log("%s: %s", reason, error.message);
    this.close();
    this.#sink?.onTransportError(this, reason, error);
  }

  #onPoll(req: BunRequestRecord, request: Request): Response | Promise<Response> {
    if (this.#poll !== null) {
      this.#fail("transport error", "overlapping polling GET");
      return engineError(BAD_REQUEST);
    }
    const signal = request.signal;
    if (signal.aborted) {
      this.#fail("transport error", "poll connection closed prematurely");
      return engineError(BAD_REQUEST);
    }
    return new Promise<Response>((resolve) => {
      const poll: PendingPoll = { req, resolve };
      this.#poll = poll;
      // The peer went away before we answered: engine.io calls this a transport error.
      signal.addEventListener(
        "abort",
        () => {
          if (this.#poll !== poll) return;
          this.#poll = null;
          this.#fail("transport error", "poll connection closed prematurely");
        },
        { once: true },
      );
      this.#sink?.onTransportReady(this);
    });
  }

  async #onData(req: BunRequestRecord, request: Request): Promise<Response> {
    if (this.#receiving) {
      this.#fail("transport error", "overlapping polling POST");
      return engineError(BAD_REQUEST);
    }
    const contentType = req.headers["content-type"];
    const binary = contentType?.toLowerCase().startsWith("application/octet-stream") === true;
    if (binary && !this.#format.binaryBodies) {
      this.#fail("transport error", "binary polling body");
      return engineError(BAD_REQUEST, "Binary polling bodies are not supported (EIO 4 is text)");
    }
    const max = this.#host.options.maxHttpBufferSize;
    if (Number(req.headers["content-length"]) > max) return this.#tooLarge();
    this.#receiving = true;
    const chunks: Uint8Array[] = [];
    let length = 0;
    try {
      const body = request.body;
      if (body !== null) {
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
          length += chunk.byteLength;
          if (length > max) return this.#tooLarge();
          chunks.push(chunk);
        }
      }
    } catch {
      this.#fail("transport error", "data request connection closed prematurely");
      return engineError(BAD_REQUEST);
    } finally {
      this.#receiving = false;
    }
    return this.#deliver(toBytes(chunks, length), binary, req);
  }

  #tooLarge(): Response {
    this.#fail("transport error", "polling body larger than maxHttpBufferSize");
    return jsonError(413, BAD_REQUEST, "Payload too large", { Connection: "close" });
  }

  #deliver(body: Buffer, binary: boolean, req: BunRequestRecord): Response {
    // Discarded by an upgrade (or closed) while the body streamed in: its packets go nowhere,
    // so they must not be acknowledged with "ok".
    if (this.#closed || this.#sink === null) return engineError(BAD_REQUEST);
    if (log.enabled) log("received %j", body);
    const packets = this.#format.decode(body, binary, this.#host.options.maxPayloadPackets);
    if (packets instanceof ProtocolError) {
      this.#fail("parse error", packets);
      return engineError(BAD_REQUEST);
    }
    for (const packet of packets) {
      if (this.#closed || this.#sink === null) break;
      if (packet.type === "close") {
        // The peer is leaving: its pending GET gets a noop, then the session ends.
        this.discard();
        this.#sink.onTransportClose(this);
        break;
      }
      this.#sink.onTransportPacket(this, packet);
    }
    const headers: HeaderMap = { "Content-Type": "text/html", "Cache-Control": "no-store" };
    this.#host.decorateHeaders(req, headers, undefined);
    return new Response("ok", { status: 200, headers: fetchHeaders(headers) });
  }
}
