// The smallest WebSocket client that can drive a server at full speed: a `net.Socket`, a canned
// upgrade request, and a frame parser that hands each message's payload to the caller as a
// view of the received chunk (no copy, no event emitter, no stream in between).
//
// Why not `ws`: its client is a Writable stream fed by the socket, one EventEmitter hop per
// message and a buffer list per chunk. At 10k clients it took the load generator to its
// ceiling before the servers reached theirs. This one reads every frame of a chunk in one
// loop, so a chunk holding several messages costs one callback from the socket.
//
// Scope, on purpose: no extensions (none is offered), text sends only, a zero masking key
// (allowed by RFC 6455 §5.3; it only has to be unpredictable to protect proxies, and this
// traffic never leaves 127.0.0.1), and no close handshake (the load generator just drops the
// connection; servers treat it as a client gone).

import { createHash } from "node:crypto";
import { connect } from "node:net";

const KEY = "cGFybGV5LWJlbmNoLWtleQ==";
const ACCEPT = createHash("sha1")
  .update(`${KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
  .digest("base64");
const HEADER_END = Buffer.from("\r\n\r\n");
const STATUS_101 = Buffer.from("HTTP/1.1 101");

const OPCODE_CONTINUATION = 0x0;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSED = 3;

/**
 * @typedef {object} RawWebSocketHandlers
 * @property {() => void} onOpen                      the server answered 101
 * @property {(payload: Buffer, binary: boolean) => void} onMessage  a view, valid during the call
 * @property {(error: Error | undefined) => void} onClose   once, whatever ended the connection
 */

/** @type {Map<string, { port: number, host: string, request: string }>} */
const targets = new Map();

/** The parsed URL and the upgrade request for it, built once per distinct URL. */
function targetFor(/** @type {string} */ url) {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    const host = parsed.hostname;
    const port = Number(parsed.port || 80);
    const request =
      `GET ${parsed.pathname}${parsed.search} HTTP/1.1\r\n` +
      `Host: ${host}:${port}\r\n` +
      "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    target = { port, host, request };
    targets.set(url, target);
  }
  return target;
}

export class RawWebSocket {
  readyState = CONNECTING;
  /** Resolves once the connection is closed (for any reason). */
  closed;
  #socket;
  #handlers;
  /** @type {Buffer | undefined} bytes of an incomplete frame (or response head) */
  #rest;
  /** @type {Buffer[] | undefined} payloads of a fragmented message so far */
  #fragments;
  #fragmentsBinary = false;
  /** @type {() => void} */
  #resolveClosed = () => {};

  /**
   * @param {string} url  ws://host:port/path?query
   * @param {{ localAddress?: string | undefined }} options
   * @param {RawWebSocketHandlers} handlers
   */
  constructor(url, options, handlers) {
    this.#handlers = handlers;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = () => resolve(undefined);
    });
    const target = targetFor(url);
    /** @type {import("node:net").NetConnectOpts} */
    const connectOptions = { port: target.port, host: target.host, noDelay: true };
    if (options.localAddress !== undefined) connectOptions.localAddress = options.localAddress;
    const socket = connect(connectOptions);
    this.#socket = socket;
    socket.on("connect", () => socket.write(target.request));
    socket.on("data", (chunk) => this.#onData(chunk));
    socket.on("error", (error) => this.#end(error));
    socket.on("close", () => this.#end(undefined));
  }

  /** Sends one text message (a JS string) in one masked frame. */
  send(/** @type {string} */ text) {
    if (this.readyState !== OPEN) return;
    const length = Buffer.byteLength(text);
    const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(header + 4 + length);
    frame[0] = 0x81;
    if (header === 2) {
      frame[1] = 0x80 | length;
    } else if (header === 4) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeUInt32BE(0, 2);
      frame.writeUInt32BE(length, 6);
    }
    frame.writeUInt32BE(0, header); // the zero masking key: payload bytes go as they are
    frame.write(text, header + 4);
    this.#socket.write(frame);
  }

  /** Drops the connection without a close handshake. */
  terminate() {
    this.#socket.destroy();
  }

  #end(/** @type {Error | undefined} */ error) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#socket.destroy();
    this.#resolveClosed();
    this.#handlers.onClose(error);
  }

  #onData(/** @type {Buffer} */ chunk) {
    let data = this.#rest === undefined ? chunk : Buffer.concat([this.#rest, chunk]);
    this.#rest = undefined;
    if (this.readyState === CONNECTING) {
      const headEnd = data.indexOf(HEADER_END);
      if (headEnd === -1) {
        this.#rest = data;
        return;
      }
      const head = data.toString("latin1", 0, headEnd);
      if (!data.subarray(0, STATUS_101.length).equals(STATUS_101) || !head.includes(ACCEPT)) {
        this.#end(new Error(`upgrade refused: ${head.split("\r\n", 1)[0]}`));
        return;
      }
      this.readyState = OPEN;
      data = data.subarray(headEnd + HEADER_END.length);
      this.#handlers.onOpen();
    }
    this.#readFrames(data);
  }

  /** Reads every complete frame in `data`; keeps an incomplete tail for the next chunk. */
  #readFrames(/** @type {Buffer} */ data) {
    let offset = 0;
    const end = data.length;
    while (offset + 2 <= end && this.readyState === OPEN) {
      const first = /** @type {number} */ (data[offset]);
      const second = /** @type {number} */ (data[offset + 1]);
      if ((second & 0x80) !== 0) {
        this.#end(new Error("server sent a masked frame"));
        return;
      }
      let length = second & 0x7f;
      let start = offset + 2;
      if (length === 126) {
        if (start + 2 > end) break;
        length = data.readUInt16BE(start);
        start += 2;
      } else if (length === 127) {
        if (start + 8 > end) break;
        length = data.readUInt32BE(start) * 2 ** 32 + data.readUInt32BE(start + 4);
        start += 8;
      }
      if (start + length > end) break;
      offset = start + length;
      this.#onFrame(first, data.subarray(start, offset));
    }
    if (offset < end && this.readyState === OPEN) this.#rest = data.subarray(offset);
  }

  #onFrame(/** @type {number} */ first, /** @type {Buffer} */ payload) {
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    if (opcode === OPCODE_PING) {
      this.#sendControl(OPCODE_PONG, payload);
    } else if (opcode === OPCODE_CLOSE) {
      this.#end(undefined);
    } else if (opcode === OPCODE_PONG) {
      // nothing was asked
    } else if (opcode === OPCODE_CONTINUATION) {
      if (this.#fragments === undefined) return;
      this.#fragments.push(Buffer.from(payload));
      if (fin) {
        const whole = Buffer.concat(this.#fragments);
        this.#fragments = undefined;
        this.#handlers.onMessage(whole, this.#fragmentsBinary);
      }
    } else if (fin) {
      this.#handlers.onMessage(payload, opcode === 0x2);
    } else {
      // The first fragment: later chunks may reuse this memory, so keep a copy.
      this.#fragments = [Buffer.from(payload)];
      this.#fragmentsBinary = opcode === 0x2;
    }
  }

  #sendControl(/** @type {number} */ opcode, /** @type {Buffer} */ payload) {
    const frame = Buffer.allocUnsafe(6 + payload.length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | payload.length;
    frame.writeUInt32BE(0, 2);
    payload.copy(frame, 6);
    this.#socket.write(frame);
  }
}
