import { decodePayload, encodePayload, ProtocolError } from "@parley/protocol";
import { CLOSE_TIMEOUT, TransportError } from "../options.js";
import type { HttpResponse } from "../platform.js";
import {
  silentHandler,
  type Transport,
  type TransportHandler,
  type TransportInit,
} from "../transport.js";

type State = "opening" | "open" | "pausing" | "paused" | "closed";

let seq = 0;

/**
 * HTTP long-polling, on the platform's requests (`fetch` in browsers, `node:http(s)` in Node):
 * one GET waiting for packets at a time, one POST carrying a batch at a time. The first GET
 * returns the handshake.
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

  send(packets: Parameters<Transport["send"]>[0]): void {
    this.#writable = false;
    this.#request(encodePayload(packets)).then(() => {
      if (this.#state === "closed") return;
      this.#writable = true;
      this.#checkPause();
      this.handler.onDrain();
    }, this.#error);
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
    // Not awaited by anyone, but bounded: see CLOSE_TIMEOUT.
    if (wasOpen) this.#request("1", AbortSignal.timeout(CLOSE_TIMEOUT)).catch(() => {});
    this.#abort.abort();
  }

  #url(): string {
    const sid = this.sid === undefined ? "" : `&sid=${encodeURIComponent(this.sid)}`;
    return `${this.#init.url}${sid}&t=${(seq++).toString(36)}${Date.now().toString(36)}`;
  }

  /**
   * A GET (no body) or a POST. Fails with socket.io-client's errors: "xhr poll error" /
   * "xhr post error", whose `description` is the HTTP status of a refusal (`context` has the
   * status and the body) or the network error; only a body past maxPayload is a ProtocolError.
   */
  async #request(body?: string, signal = this.#abort.signal): Promise<string> {
    const { opts, platform, maxPayload } = this.#init;
    const message = body === undefined ? "xhr poll error" : "xhr post error";
    let res: Awaited<HttpResponse>;
    try {
      res = await platform.request(
        this.#url(),
        {
          method: body === undefined ? "GET" : "POST",
          headers: (platform.headers && opts.extraHeaders) || {},
          credentials: opts.withCredentials ? "include" : "same-origin",
          signal,
          body: body ?? null,
        },
        maxPayload,
      );
    } catch (err) {
      throw err instanceof ProtocolError ? err : new TransportError(message, err);
    }
    const [status, text] = res;
    // Not 2xx (the integer part of status / 100 is not 2).
    if ((status / 100) ^ 2) {
      throw new TransportError(message, status, { status, responseText: text });
    }
    return text;
  }

  async #poll(): Promise<void> {
    this.#polling = true;
    let body: string;
    try {
      body = await this.#request();
    } catch (err) {
      this.#error(err);
      return;
    }
    this.#polling = false;
    if (this.#state === "closed") return;
    const packets = decodePayload(body, { maxPackets: Infinity });
    if (packets instanceof ProtocolError) {
      this.#fail("parse error", packets);
      return;
    }
    // No packet can exceed maxPayload: the whole body was held to it (the platform's request).
    for (const packet of packets) {
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

  /** A failed request: too large a response is bad input, anything else a network fault. */
  readonly #error = (err: unknown) =>
    this.#fail(err instanceof ProtocolError ? "parse error" : "transport error", err);

  #fail(reason: "transport error" | "transport close" | "parse error", description: unknown) {
    if (this.#state === "closed") return;
    const handler = this.handler;
    this.#state = "closed";
    this.handler = silentHandler;
    this.#abort.abort();
    handler.onClose(reason, description);
  }
}
