import type { IncomingMessage } from "node:http";
import type { RequestRecord } from "../core/request.js";
import type { BunWebSocket } from "./bun-runtime.js";
import type { BunSocketData } from "./websocket.js";

/**
 * A transport's WebSocket before Bun's `open`: not open, so nothing is sent to it; it holds
 * what `open` needs (the session's id, a new session's handshake record), dropped then. In
 * the WebSocket's field rather than fields of their own: an idle connection keeps its
 * transport for its life, and JavaScriptCore sizes an object by its field count (4: 48 B).
 */
export class Opening implements BunWebSocket<BunSocketData> {
  /** The session this WebSocket upgrades (`sid` in its URL), or the new session's id. */
  readonly sid: string;
  /** The request of a new session's handshake; undefined for an upgrade of a session. */
  readonly record: RequestRecord<IncomingMessage> | undefined;

  constructor(sid: string, record: RequestRecord<IncomingMessage> | undefined) {
    this.sid = sid;
    this.record = record;
  }

  get data(): BunSocketData {
    throw new Error("not an open WebSocket");
  }

  get readyState(): number {
    return 0;
  }

  get remoteAddress(): string {
    return "";
  }

  sendText(): number {
    return 0;
  }

  sendBinary(): number {
    return 0;
  }

  close(): void {}

  subscribe(): void {}

  unsubscribe(): void {}

  isSubscribed(): boolean {
    return false;
  }

  getBufferedAmount(): number {
    return 0;
  }

  cork<R>(callback: (ws: BunWebSocket<BunSocketData>) => R): R {
    return callback(this);
  }
}
