import type { ChatMessage } from "../events.js";
import { el, formatTime } from "./dom.js";
import type { OutboxEntry } from "./outbox.js";

const STATUS_TEXT = {
  queued: "○ queued",
  sending: "… sending",
  delivered: "✓ delivered",
  failed: "✗ not sent",
} as const;

/**
 * The message list of the room on screen. Each item is keyed by the message's clientId, so the
 * sender's pending copy and the server's echo of it are one item, whichever arrives first.
 */
export class MessageList {
  readonly #list: HTMLOListElement;
  readonly #nick: string;
  readonly #onRetry: (clientId: string) => void;

  constructor(list: HTMLOListElement, nick: string, onRetry: (clientId: string) => void) {
    this.#list = list;
    this.#nick = nick;
    this.#onRetry = onRetry;
  }

  /** Replaces the list: history first, then what this user has not had delivered yet. */
  render(messages: readonly ChatMessage[], pending: readonly OutboxEntry[]): void {
    this.#list.replaceChildren();
    if (messages.length === 0 && pending.length === 0) {
      this.#list.append(el("li", "notice", "No messages yet. Say hello!"));
    }
    for (const message of messages) this.addMessage(message, false);
    for (const entry of pending) this.upsertOwn(entry, false);
    this.#scrollToEnd();
  }

  clear(text: string): void {
    this.#list.replaceChildren(el("li", "notice", text));
  }

  addMessage(message: ChatMessage, scroll = true): void {
    const existing = this.#find(message.clientId);
    if (existing !== undefined && message.nick === this.#nick) {
      this.#fill(existing, message.nick, message.ts, message.text);
      existing.dataset.id = message.id;
      this.#setStatus(existing, "delivered");
      return;
    }
    this.#list.querySelector(":scope > .notice")?.remove();
    const item = this.#item(message.clientId);
    item.dataset.id = message.id;
    this.#fill(item, message.nick, message.ts, message.text);
    if (message.nick === this.#nick) this.#setStatus(item, "delivered");
    this.#list.append(item);
    if (scroll) this.#scrollToEnd();
  }

  upsertOwn(entry: OutboxEntry, scroll = true): void {
    let item = this.#find(entry.clientId);
    if (item === undefined) {
      this.#list.querySelector(":scope > .notice")?.remove();
      item = this.#item(entry.clientId);
      this.#fill(item, this.#nick, entry.ts ?? Date.now(), entry.text);
      this.#list.append(item);
      if (scroll) this.#scrollToEnd();
    }
    if (entry.id !== undefined) item.dataset.id = entry.id;
    this.#setStatus(item, entry.status, entry.error?.message);
  }

  #find(clientId: string): HTMLLIElement | undefined {
    for (const item of this.#list.children) {
      if (item instanceof HTMLLIElement && item.dataset.clientId === clientId) return item;
    }
    return undefined;
  }

  #item(clientId: string): HTMLLIElement {
    const item = el("li", "message");
    item.dataset.clientId = clientId;
    return item;
  }

  #fill(item: HTMLLIElement, nick: string, ts: number, text: string): void {
    const time = el("time", undefined, formatTime(ts));
    time.dateTime = new Date(ts).toISOString();
    const state = item.querySelector(":scope > .state");
    item.replaceChildren(time, el("span", "nick", nick), el("span", "text", text));
    if (state !== null) item.append(state);
  }

  #setStatus(item: HTMLLIElement, status: OutboxEntry["status"], error?: string): void {
    item.dataset.status = status;
    let state = item.querySelector<HTMLElement>(":scope > .state");
    if (state === null) {
      state = el("span", "state");
      item.append(state);
    }
    state.textContent =
      error === undefined ? STATUS_TEXT[status] : `${STATUS_TEXT[status]}: ${error}`;
    if (status === "failed") {
      state.title = "Click to try again";
      state.onclick = () => {
        const clientId = item.dataset.clientId;
        if (clientId !== undefined) this.#onRetry(clientId);
      };
    } else {
      state.removeAttribute("title");
      state.onclick = null;
    }
  }

  #scrollToEnd(): void {
    this.#list.scrollTop = this.#list.scrollHeight;
  }
}
