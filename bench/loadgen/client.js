// A minimal Engine.IO v4 / Socket.IO v5 client over a raw WebSocket, for load generation.
//
// It does only what a connected, idle Socket.IO client must do: open the WebSocket transport
// directly, answer pings, connect the main namespace, and hand every `42…` (EVENT) frame to the
// workload as the raw bytes. Nothing is JSON-decoded here: the workloads read the few bytes
// they need by position, so the load generator costs far less per message than any server.

import { RawWebSocket } from "./raw-websocket.js";

const CHAR_0 = 0x30; // Engine.IO OPEN, Socket.IO CONNECT
const CHAR_1 = 0x31; // Socket.IO DISCONNECT
const CHAR_2 = 0x32; // Engine.IO PING, Socket.IO EVENT
const CHAR_4 = 0x34; // Engine.IO MESSAGE, Socket.IO CONNECT_ERROR

/**
 * @typedef {object} BenchClient
 * @property {number} id
 * @property {RawWebSocket} ws
 * @property {boolean} connected  true once the server answered the namespace CONNECT (`40…`)
 * @property {number} count       events received (workload-defined meaning)
 * @property {number} next        next expected sequence number (broadcast workload)
 * @property {number} disorder    events that arrived out of sequence
 * @property {(client: BenchClient, data: Buffer) => void} onEvent  `data` is only valid
 *   during the call (a view of the received chunk)
 */

/** Called for every EVENT frame; the workload replaces it. */
function ignoreEvent() {}

/**
 * Opens one client and resolves once the main namespace is connected.
 * @param {{ url: string, id: number, localAddress?: string | undefined, timeoutMs: number,
 *   onEvent?: ((client: BenchClient, data: Buffer) => void) | undefined }} options
 * @returns {Promise<BenchClient>}
 */
export function openClient({ url, id, localAddress, timeoutMs, onEvent }) {
  return new Promise((resolve, reject) => {
    let settled = false;
    /** @type {BenchClient} */
    let client; // assigned right after the socket; its handlers only run later
    const fail = (/** @type {Error} */ error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.ws.terminate();
      reject(error);
    };
    // One timer per client covers the whole connect (TCP, upgrade, OPEN, CONNECT).
    const timer = setTimeout(() => fail(new Error("connect timeout")), timeoutMs);
    const ws = new RawWebSocket(
      url,
      { localAddress },
      {
        onOpen() {},
        onClose(error) {
          client.connected = false;
          fail(error ?? new Error("closed before connect"));
        },
        onMessage(data) {
          const first = data[0];
          if (first === CHAR_4) {
            const second = data[1];
            if (second === CHAR_2) {
              client.onEvent(client, data);
            } else if (second === CHAR_0) {
              client.connected = true;
              if (!settled) {
                settled = true;
                clearTimeout(timer);
                resolve(client);
              }
            } else if (second === CHAR_4 || second === CHAR_1) {
              fail(new Error(`namespace refused: ${data.toString()}`));
            }
          } else if (first === CHAR_2) {
            ws.send("3");
          } else if (first === CHAR_0) {
            ws.send("40");
          }
        },
      },
    );
    client = {
      id,
      ws,
      connected: false,
      count: 0,
      next: 0,
      disorder: 0,
      onEvent: onEvent ?? ignoreEvent,
    };
  });
}

/**
 * Reads the unsigned decimal integer that starts at `offset` in `data` (ends at any non-digit).
 * @param {Buffer} data
 * @param {number} offset
 */
export function readUint(data, offset) {
  let value = 0;
  for (let i = offset; i < data.length; i++) {
    const digit = /** @type {number} */ (data[i]) - CHAR_0;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Checks that `data` starts with the bytes of `prefix` (an ASCII Buffer).
 * @param {Buffer} data
 * @param {Buffer} prefix
 */
export function startsWith(data, prefix) {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}
