import type { IncomingMessage, ServerResponse } from "node:http";
import { ProtocolError } from "@parley/protocol";
import { debugLog } from "../../debug.js";
import type { TransportName } from "../core/contract.js";
import {
  isPrepared,
  type OutgoingItem,
  type Transport,
  type TransportSink,
} from "../core/transport.js";
import { TRANSPORTS } from "../core/transports.js";
import type { HeaderMap } from "../cors.js";
import { compress, negotiateEncoding } from "../http-compression.js";
import { EngineErrorCode, writeHttpError, writeJsonError } from "../http-errors.js";
import type { ResolvedOptions } from "../options.js";
import { ENGINE_V4_POLLING } from "../polling-format.js";
import type { PollingFormat } from "../wire-format.js";

/** What the polling transport needs from its engine (one object shared by all sessions). */
export interface PollingHost {
  readonly options: ResolvedOptions;
  /** Adds the engine's own headers (hooks, cookie) to a response; `sid` is set on the handshake. */
  decorateHeaders(req: IncomingMessage, headers: HeaderMap, sid: string | undefined): void;
}

const log = debugLog("parley:engine:polling", "engine:polling");

const kTransport = Symbol("parley.pollingTransport");
const kCarriesClose = Symbol("parley.carriesClose");

interface OwnedResponse extends ServerResponse {
  [kTransport]?: PollingTransport;
  /** Set on an answer that carries the session's close packet: it goes out whole. */
  [kCarriesClose]?: true;
}

/**
 * HTTP long-polling: a GET waits for packets and gets them as one `\x1e`-joined batch; a POST
 * delivers a batch and is answered `ok`. Engine.IO v4 bodies are text only: a POST declared as
 * `application/octet-stream` is refused with 400 (and ends the session), as engine.io does.
 */
export class PollingTransport implements Transport {
  readonly name = "polling" as const;
  declare readonly duplex: boolean;
  declare readonly upgradesTo: readonly TransportName[];
  readonly #host: PollingHost;
  /** The session's wire format (Engine.IO v4, or one of v3's), fixed at the handshake. */
  readonly #format: PollingFormat;
  /** Set until the handshake response is written: it gets the cookie and `initial_headers`. */
  #handshakeSid: string | undefined;
  #sink: TransportSink | null = null;
  #pollReq: IncomingMessage | null = null;
  #pollRes: OwnedResponse | null = null;
  #receiving = false;
  #closed = false;
  /**
   * Answers handed to Node but not yet to the OS: a peer that asks for the next GET without
   * reading the last answer. Counted in `bufferedBytes` against `maxBufferedBytes`, as a
   * WebSocket's unsent frames are. Null while there are none (the usual case).
   */
  #unflushed: OwnedResponse[] | null = null;

  constructor(host: PollingHost, sid: string, format: PollingFormat = ENGINE_V4_POLLING) {
    this.#host = host;
    this.#format = format;
    this.#handshakeSid = sid;
  }

  bind(sink: TransportSink): void {
    this.#sink = sink;
  }

  get writable(): boolean {
    return this.#pollRes !== null;
  }

  bufferedBytes(): number {
    const unflushed = this.#unflushed;
    if (unflushed === null) return 0;
    let bytes = 0;
    for (const res of unflushed) bytes += res.writableLength;
    return bytes;
  }

  onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.#closed) {
      writeHttpError(res, EngineErrorCode.BAD_REQUEST);
    } else if (req.method === "GET") {
      this.#onPoll(req, res);
    } else if (req.method === "POST") {
      this.#onData(req, res);
    } else {
      writeHttpError(res, EngineErrorCode.BAD_REQUEST);
    }
  }

  write(items: readonly OutgoingItem[], done?: () => void): void {
    const res = this.#pollRes;
    const req = this.#pollReq;
    if (res === null || req === null) return;
    this.#pollRes = null;
    this.#pollReq = null;
    const { body, compress: wantsCompression } = this.#format.encode(items);
    const sid = this.#handshakeSid;
    this.#handshakeSid = undefined;
    const headers: HeaderMap = {
      "Content-Type":
        typeof body === "string" ? "text/plain; charset=UTF-8" : "application/octet-stream",
      "Cache-Control": "no-store",
    };
    const compression = this.#host.options.httpCompression;
    const encoding =
      compression !== false && wantsCompression && Buffer.byteLength(body) >= compression.threshold
        ? negotiateEncoding(req.headers["accept-encoding"])
        : null;
    this.#host.decorateHeaders(req, headers, sid);
    if (log.enabled) log("writing %j", body);
    if (encoding === null) {
      headers["Content-Length"] = String(Buffer.byteLength(body));
      res.writeHead(200, headers);
      res.end(body);
      this.#watchUnflushed(res, items);
      done?.();
    } else {
      compress(encoding, body, compression === false ? {} : compression.zlib, (err, out) => {
        if (res.destroyed) return;
        if (err) {
          writeJsonError(res, 500, EngineErrorCode.BAD_REQUEST, "compression failed");
          return;
        }
        headers["Content-Encoding"] = encoding;
        headers["Content-Length"] = String(out.length);
        res.writeHead(200, headers);
        res.end(out);
        this.#watchUnflushed(res, items);
        done?.();
      });
    }
    this.#sink?.onTransportDrain(this);
  }

  writeItem(item: OutgoingItem, _notifyDrain: boolean, done?: () => void): void {
    this.write([item], done);
  }

  close(): void {
    if (this.#closed) return;
    if (this.#pollRes !== null) this.write([{ type: "close" }]);
    this.#closed = true;
    // An earlier answer still in Node's buffer at the end belongs to a peer that stopped
    // reading (one that reads asks for the next GET only after the whole answer): end its
    // connection, or it would hold that memory for as long as the peer keeps it open.
    const unflushed = this.#unflushed;
    if (unflushed === null) return;
    for (const res of [...unflushed]) if (res[kCarriesClose] !== true) res.destroy();
  }

  /** Keeps `res` in `#unflushed` until Node has handed all of it to the OS (or it closed). */
  #watchUnflushed(res: OwnedResponse, items: readonly OutgoingItem[]): void {
    if (res.writableLength === 0 || res.destroyed) return;
    const last = items[items.length - 1];
    if (last !== undefined && !isPrepared(last) && last.type === "close") res[kCarriesClose] = true;
    if (this.#unflushed === null) this.#unflushed = [res];
    else this.#unflushed.push(res);
    res.once("finish", PollingTransport.#onFlushed);
    res.once("close", PollingTransport.#onFlushed);
  }

  static #onFlushed = function (this: OwnedResponse) {
    const transport = this[kTransport];
    if (transport === undefined) return;
    const unflushed = transport.#unflushed;
    if (unflushed === null) return;
    const i = unflushed.indexOf(this);
    if (i === -1) return;
    unflushed.splice(i, 1);
    if (unflushed.length === 0) transport.#unflushed = null;
  };

  /** Leaves this session for another transport: a GET still waiting is released with a noop. */
  discard(): void {
    if (this.#closed) return;
    if (this.#pollRes !== null) this.write([{ type: "noop" }]);
    this.#closed = true;
  }

  #fail(reason: "transport error" | "parse error", message: string | Error): void {
    if (this.#closed) return;
    const error = typeof message === "string" ? new Error(message) : message;
    if (log.enabled) log("%s: %s", reason, error.message);
    this.close();
    this.#sink?.onTransportError(this, reason, error);
  }

  #onPoll(req: IncomingMessage, res: OwnedResponse): void {
    if (this.#pollRes !== null) {
      writeHttpError(res, EngineErrorCode.BAD_REQUEST);
      this.#fail("transport error", "overlapping polling GET");
      return;
    }
    if (req.socket.destroyed) {
      // The peer left while the request was being verified (async CORS / allowRequest).
      this.#fail("transport error", "poll connection closed prematurely");
      return;
    }
    this.#pollReq = req;
    this.#pollRes = res;
    res[kTransport] = this;
    res.once("close", PollingTransport.#onPollClose);
    this.#sink?.onTransportReady(this);
  }

  static #onPollClose = function (this: OwnedResponse) {
    const transport = this[kTransport];
    if (transport === undefined || transport.#pollRes !== this) return;
    // The peer went away before we answered: engine.io calls this a transport error.
    transport.#pollRes = null;
    transport.#pollReq = null;
    transport.#fail("transport error", "poll connection closed prematurely");
  };

  #onData(req: IncomingMessage, res: ServerResponse): void {
    if (this.#receiving) {
      writeHttpError(res, EngineErrorCode.BAD_REQUEST);
      this.#fail("transport error", "overlapping polling POST");
      return;
    }
    const contentType = req.headers["content-type"];
    const binary = contentType?.toLowerCase().startsWith("application/octet-stream") === true;
    if (binary && !this.#format.binaryBodies) {
      writeHttpError(
        res,
        EngineErrorCode.BAD_REQUEST,
        "Binary polling bodies are not supported (EIO 4 is text)",
      );
      this.#fail("transport error", "binary polling body");
      return;
    }
    const max = this.#host.options.maxHttpBufferSize;
    const declared = Number(req.headers["content-length"]);
    if (declared > max) {
      this.#tooLarge(req, res);
      return;
    }
    this.#receiving = true;
    const chunks: Buffer[] = [];
    let length = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > max) {
        done = true;
        req.removeListener("data", onData);
        this.#receiving = false;
        this.#tooLarge(req, res);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("error", ignore);
    req.once("end", () => {
      if (done) return;
      done = true;
      this.#receiving = false;
      this.#deliver(Buffer.concat(chunks, length), binary, req, res);
    });
    req.once("close", () => {
      if (done) return;
      done = true;
      this.#receiving = false;
      this.#fail("transport error", "data request connection closed prematurely");
    });
  }

  #tooLarge(req: IncomingMessage, res: ServerResponse): void {
    // Connection: close makes Node end the socket once the answer is flushed, instead of
    // reading (and discarding) whatever else the peer streams at us.
    writeJsonError(res, 413, EngineErrorCode.BAD_REQUEST, "Payload too large", {
      Connection: "close",
    });
    req.resume();
    this.#fail("transport error", `polling body larger than maxHttpBufferSize`);
  }

  #deliver(body: Buffer, binary: boolean, req: IncomingMessage, res: ServerResponse): void {
    if (this.#closed || this.#sink === null) {
      // Discarded by an upgrade (or closed) while the body streamed in: its packets go
      // nowhere, so they must not be acknowledged with "ok".
      writeHttpError(res, EngineErrorCode.BAD_REQUEST);
      return;
    }
    if (log.enabled) log("received %j", body);
    const packets = this.#format.decode(body, binary, this.#host.options.maxPayloadPackets);
    if (packets instanceof ProtocolError) {
      writeHttpError(res, EngineErrorCode.BAD_REQUEST);
      this.#fail("parse error", packets);
      return;
    }
    for (const packet of packets) {
      if (this.#closed || this.#sink === null) break;
      if (packet.type === "close") {
        // The peer is leaving: its pending GET gets a noop (not a close of our own), as
        // engine.io answers it, then the session ends ("transport close").
        if (log.enabled) log("got a close packet");
        this.discard();
        this.#sink.onTransportClose(this);
        break;
      }
      this.#sink.onTransportPacket(this, packet);
    }
    if (res.headersSent) return;
    // text/html, not text/plain: some user agents offer to download a text/plain "ok".
    const headers: HeaderMap = {
      "Content-Type": "text/html",
      "Content-Length": "2",
      "Cache-Control": "no-store",
    };
    this.#host.decorateHeaders(req, headers, undefined);
    res.writeHead(200, headers);
    res.end("ok");
  }
}

function ignore(): void {}

// Capabilities are constants of the kind: on the prototype, not a field per connection.
Object.defineProperties(PollingTransport.prototype, {
  duplex: { value: TRANSPORTS.polling.duplex },
  upgradesTo: { value: TRANSPORTS.polling.upgradesTo },
});
