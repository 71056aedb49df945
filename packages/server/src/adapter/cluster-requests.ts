import { randomBytes } from "node:crypto";
import type { ClusterResponse } from "./cluster-message.js";

/** How a request treats each answering server. */
export interface RequestHandlers {
  /** A response from one server; true when that server has now answered in full. */
  onResponse(message: ClusterResponse): boolean;
  /** A server died (missed heartbeats, or closed) before answering in full. */
  onGone?(uid: string): void;
  /** Runs once: every awaited server answered or died (false), or the timeout passed (true). */
  onDone?(timedOut: boolean): void;
}

interface PendingRequest {
  /** Servers that still owe an answer. */
  readonly waiting: Set<string>;
  readonly handlers: RequestHandlers;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * The requests this server has made to others and still waits on.
 *
 * Guarantees: a request awaits a fixed set of servers, chosen when it is made (the servers
 * alive then, or a subset); it completes exactly once, through `onDone`, when each of them
 * has answered in full or been declared dead (`nodeGone`), or at its timeout, whichever
 * comes first. A server declared dead is dropped from every request at once, so no request
 * ever waits on a server the heartbeat declared dead. Answers from servers a request does
 * not await (or no longer does) are ignored.
 */
export class PendingRequests {
  readonly #requests = new Map<string, PendingRequest>();

  /** Opens a request awaiting `servers`; returns its id (to put in the message). */
  open(servers: Iterable<string>, timeoutMs: number, handlers: RequestHandlers): string {
    const requestId = randomBytes(8).toString("hex");
    const waiting = new Set(servers);
    const timer = setTimeout(() => this.#finish(requestId, true), timeoutMs);
    this.#requests.set(requestId, { waiting, handlers, timer });
    if (waiting.size === 0) queueMicrotask(() => this.#finish(requestId, false));
    return requestId;
  }

  /** Routes a response to its request. */
  onResponse(message: ClusterResponse): void {
    const request = this.#requests.get(message.requestId);
    if (request === undefined || !request.waiting.has(message.uid)) return;
    if (!request.handlers.onResponse(message)) return;
    request.waiting.delete(message.uid);
    if (request.waiting.size === 0) this.#finish(message.requestId, false);
  }

  /** `uid` was declared dead: no request waits for it any longer. */
  nodeGone(uid: string): void {
    for (const [requestId, request] of [...this.#requests]) {
      if (!request.waiting.delete(uid)) continue;
      request.handlers.onGone?.(uid);
      if (request.waiting.size === 0) this.#finish(requestId, false);
    }
  }

  /** How many requests wait on `uid` now (all of them without `uid`): for tests and metrics. */
  awaiting(uid?: string): number {
    if (uid === undefined) return this.#requests.size;
    let n = 0;
    for (const request of this.#requests.values()) if (request.waiting.has(uid)) n++;
    return n;
  }

  /** Settles every request with what it has (the adapter closes: nothing more will come). */
  finishAll(): void {
    for (const requestId of [...this.#requests.keys()]) this.#finish(requestId, true);
  }

  #finish(requestId: string, timedOut: boolean): void {
    const request = this.#requests.get(requestId);
    if (request === undefined) return;
    clearTimeout(request.timer);
    this.#requests.delete(requestId);
    request.handlers.onDone?.(timedOut);
  }
}
