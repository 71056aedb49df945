import { decodePayload, type EnginePacket, encodePayload, ProtocolError } from "@parley/protocol";
import { TransportError } from "../options.js";
import {
  silentHandler,
  type Transport,
  type TransportHandler,
  type TransportInit,
} from "../transport.js";

type State = "opening" | "open" | "pausing" | "paused" | "closed";

let seq = 0;

/**
 * HTTP long-polling on `fetch` (no XMLHttpRequest): one GET waiting for packets at a time,
 * one POST carrying a batch at a time. The first GET returns the handshake.
 */
export class PollingTransport implements Transport {
  readonly name = "polling";
  handler: TransportHandler = silentHandler;
  sid: string | undefined;
  #writable = false;
  #state: State = "opening";
  #polling = false;
  #onPause: (() => void) | undefined;
  readonly #init: TransportInit;
  readonly #abort = new AbortController();

  constructor(init: TransportInit) {
    this.#init = init;
  }

  get writable(): boolean {
    return this.#writable;
  }

  open(): void {
    this.#poll();
  }

  send(packets: EnginePacket[]): void {
    this.#writable = false;
    this.#request(encodePayload(packets)).then(
      () => {
        if (this.#state === "closed") return;
        this.#writable = true;
        this.#checkPause();
        this.handler.onDrain();
      },
      (err: unknown) => this.#fail("transport error", err),
    );
  }

  pause(onPause: () => void): void {
    this.#state = "pausing";
    this.#onPause = onPause;
    this.#checkPause();
  }

  close(): void {
    if (this.#state === "closed") return;
    const wasOpen = this.#state === "open";
    this.#state = "closed";
    this.handler = silentHandler;
    // Tell the server, so it ends the session now instead of at the next ping timeout.
    if (wasOpen) this.#request("1", false).catch(() => {});
    this.#abort.abort();
  }

  #url(): string {
    const sid = this.sid === undefined ? "" : `&sid=${encodeURIComponent(this.sid)}`;
    return `${this.#init.url}${sid}&t=${(seq++).toString(36)}${Date.now().toString(36)}`;
  }

  /** A GET (no body) or a POST; a string body goes as `text/plain;charset=UTF-8` by itself. */
  async #request(body?: string, abortable = true): Promise<string> {
    const { opts, platform } = this.#init;
    const init: RequestInit = {
      method: body === undefined ? "GET" : "POST",
      headers: (platform.headers && opts.extraHeaders) || {},
      credentials: opts.withCredentials ? "include" : "same-origin",
      body: body ?? null,
    };
    if (abortable) init.signal = this.#abort.signal;
    const res = await fetch(this.#url(), init);
    const text = await res.text();
    if (!res.ok) throw new TransportError("xhr poll error", { status: res.status, body: text });
    return text;
  }

  async #poll(): Promise<void> {
    this.#polling = true;
    let body: string;
    try {
      body = await this.#request();
    } catch (err) {
      this.#fail("transport error", err);
      return;
    }
    this.#polling = false;
    if (this.#state === "closed") return;
    const packets = decodePayload(body, { maxPackets: Infinity });
    if (packets instanceof ProtocolError) {
      this.#fail("parse error", packets);
      return;
    }
    for (const packet of packets) {
      const data = packet.data;
      if (data !== undefined && (data as { length: number }).length > this.#init.maxPayload) {
        this.#fail("parse error", new Error("packet exceeds maxPayload"));
        return;
      }
      if (this.#state === "opening" && packet.type === "open") {
        this.#state = "open";
        this.#writable = true;
        this.handler.onOpen();
      }
      if (packet.type === "close") {
        this.#fail("transport close", "transport closed by the server");
        return;
      }
      this.handler.onPacket(packet);
      // A handler may have closed us while we were delivering.
      if ((this.#state as State) === "closed") return;
    }
    if (this.#state === "opening") {
      this.#fail("parse error", new Error("handshake expected"));
      return;
    }
    if (this.#state === "pausing") this.#checkPause();
    else this.#poll();
  }

  #checkPause(): void {
    if (this.#state === "pausing" && !this.#polling && this.#writable) {
      this.#state = "paused";
      this.#onPause?.();
    }
  }

  #fail(reason: "transport error" | "transport close" | "parse error", description: unknown) {
    if (this.#state === "closed") return;
    const handler = this.handler;
    this.#state = "closed";
    this.handler = silentHandler;
    this.#abort.abort();
    handler.onClose(reason, description);
  }
}
