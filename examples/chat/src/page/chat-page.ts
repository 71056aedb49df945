import type { ChatMessage, RoomInfo } from "../events.js";
import { checkRoom, checkText, LIMITS } from "../validation.js";
import { el, newClientId, type PageElements } from "./dom.js";
import { MessageList } from "./messages-view.js";
import { Outbox } from "./outbox.js";
import { connectAs, type PageSocket } from "./socket.js";
import { StatusBadge } from "./status.js";
import { TypingTracker } from "./typing.js";

interface JoinedRoom {
  messages: ChatMessage[];
  members: string[];
  unread: number;
}

/** Messages kept per room on the page: the server's 100 plus what arrives while reading. */
const KEEP_PER_ROOM = 300;
const REQUEST_TIMEOUT_MS = 8_000;
const FIRST_ROOM = "general";

/** The chat screen: rooms, the conversation, presence, typing, and the outbox. */
export class ChatPage {
  readonly #els: PageElements;
  readonly #socket: PageSocket;
  readonly #status: StatusBadge;
  readonly #outbox: Outbox;
  readonly #typing: TypingTracker;
  readonly #messages: MessageList;
  readonly #joined = new Map<string, JoinedRoom>();
  /** Ends every DOM listener and timer when the server turns this nickname away. */
  readonly #abort = new AbortController();
  #rooms: RoomInfo[] = [];
  #current: string | undefined;

  constructor(els: PageElements, nick: string, onRejected: (message: string) => void) {
    this.#els = els;
    els.me.textContent = nick;
    this.#socket = connectAs(nick);
    this.#status = new StatusBadge(els.status);
    this.#status.follow(this.#socket, this.#abort.signal);
    this.#typing = new TypingTracker(this.#socket);
    this.#messages = new MessageList(els.messages, nick, (id) => this.#outbox.retry(id));
    this.#outbox = new Outbox(this.#socket, {
      ackTimeoutMs: REQUEST_TIMEOUT_MS,
      onChange: (entry) => {
        if (entry.room === this.#current) this.#messages.upsertOwn(entry);
      },
      onError: (_entry, error) => {
        els.composerError.textContent = error.message;
      },
    });
    this.#listen(onRejected);
    this.#wireDom();
    const timer = setInterval(() => this.#renderTyping(), 1_000);
    this.#abort.signal.addEventListener("abort", () => clearInterval(timer));
  }

  #listen(onRejected: (message: string) => void): void {
    const socket = this.#socket;
    socket.on("connect", () => {
      this.#els.composerError.textContent = "";
      this.#afterConnect().catch(() => {});
    });
    socket.on("connect_error", (err: Error & { data?: unknown }) => {
      // A refusal by the server's middleware is final (the client does not retry it).
      if (!socket.active) {
        const data = err.data as { code?: string; message?: string } | undefined;
        socket.disconnect();
        this.#abort.abort();
        onRejected(data?.message ?? err.message);
      }
    });
    socket.on("room:delta", ({ upserted, removed }) => {
      const rooms = new Map(this.#rooms.map((r) => [r.name, r]));
      for (const name of removed) rooms.delete(name);
      for (const room of upserted) rooms.set(room.name, room);
      this.#rooms = [...rooms.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      this.#renderRooms();
    });
    socket.on("message:new", (message) => this.#receive(message));
    socket.on("presence:update", (room, members) => {
      const joined = this.#joined.get(room);
      if (joined === undefined) return;
      joined.members = members;
      if (room === this.#current) this.#renderMembers();
    });
    socket.on("typing:update", (room, nick, typing) => {
      this.#typing.update(room, nick, typing);
      if (room === this.#current) this.#renderTyping();
    });
  }

  /** After every (re)connection: re-join the rooms (the server forgot them), then send. */
  async #afterConnect(): Promise<void> {
    this.#socket.timeout(REQUEST_TIMEOUT_MS).emit("room:list", (err, res) => {
      if (err === null && res.ok) {
        this.#rooms = res.value;
        this.#renderRooms();
      }
    });
    const rooms = this.#joined.size === 0 ? [FIRST_ROOM] : [...this.#joined.keys()];
    await Promise.all(
      rooms.map((room) => this.#join(room, room === (this.#current ?? FIRST_ROOM))),
    );
    this.#outbox.resume();
  }

  async #join(room: string, show: boolean): Promise<void> {
    let res: Awaited<ReturnType<PageSocket["emitWithAck"]>>;
    try {
      res = await this.#socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck("room:join", room);
    } catch {
      this.#els.roomError.textContent = `Could not join #${room}: no answer from the server.`;
      return;
    }
    if (!res.ok) {
      this.#els.roomError.textContent = res.error.message;
      return;
    }
    const { history, members } = res.value;
    const previous = this.#joined.get(room);
    const messages = mergeById(previous?.messages ?? [], history);
    this.#joined.set(room, { messages, members, unread: previous?.unread ?? 0 });
    if (show || this.#current === room) this.#show(room);
    else this.#renderRooms();
  }

  async #leave(room: string): Promise<void> {
    const res = await this.#socket
      .timeout(REQUEST_TIMEOUT_MS)
      .emitWithAck("room:leave", room)
      .catch(() => undefined);
    if (res !== undefined && !res.ok) {
      this.#els.roomError.textContent = res.error.message;
      return;
    }
    // Offline or not, the user wants out: forget it locally; the server forgets on reconnect.
    this.#joined.delete(room);
    this.#outbox.dropRoom(room);
    this.#typing.forgetRoom(room);
    const next = this.#joined.keys().next();
    if (next.done === true) {
      this.#current = undefined;
      this.#els.roomTitle.textContent = "No room";
      this.#messages.clear("Join or create a room from the list.");
      this.#els.members.replaceChildren();
      this.#setComposerEnabled(false);
      this.#renderRooms();
    } else {
      this.#show(next.value);
    }
  }

  #receive(message: ChatMessage): void {
    const joined = this.#joined.get(message.room);
    if (joined === undefined) return;
    if (!joined.messages.some((m) => m.id === message.id)) {
      joined.messages.push(message);
      if (joined.messages.length > KEEP_PER_ROOM) joined.messages.shift();
    }
    this.#typing.update(message.room, message.nick, false);
    if (message.room === this.#current) {
      this.#messages.addMessage(message);
      this.#renderTyping();
    } else {
      joined.unread++;
      this.#renderRooms();
    }
  }

  #show(room: string): void {
    const joined = this.#joined.get(room);
    if (joined === undefined) return;
    this.#current = room;
    joined.unread = 0;
    this.#els.roomTitle.textContent = `#${room}`;
    this.#els.roomError.textContent = "";
    this.#messages.render(joined.messages, this.#outbox.pendingFor(room));
    this.#setComposerEnabled(true);
    this.#renderMembers();
    this.#renderRooms();
    this.#renderTyping();
  }

  #send(): void {
    const els = this.#els;
    const room = this.#current;
    if (room === undefined) {
      els.composerError.textContent = "Join a room first.";
      return;
    }
    const checked = checkText(els.message.value);
    if (!checked.ok) {
      els.composerError.textContent = checked.error.message;
      return;
    }
    els.composerError.textContent = "";
    els.message.value = "";
    this.#renderCounter();
    this.#typing.stopped();
    this.#outbox.add({ clientId: newClientId(), room, text: checked.value });
  }

  #wireDom(): void {
    const els = this.#els;
    const on = { signal: this.#abort.signal };
    els.composer.addEventListener(
      "submit",
      (event) => {
        event.preventDefault();
        this.#send();
      },
      on,
    );
    els.message.addEventListener(
      "input",
      () => {
        this.#renderCounter();
        if (this.#current === undefined) return;
        if (els.message.value.trim() === "") this.#typing.stopped();
        else if (this.#socket.connected) this.#typing.typed(this.#current);
      },
      on,
    );
    els.message.addEventListener("blur", () => this.#typing.stopped(), on);
    els.roomForm.addEventListener(
      "submit",
      (event) => {
        event.preventDefault();
        const checked = checkRoom(els.roomName.value);
        if (!checked.ok) {
          els.roomError.textContent = checked.error.message;
          return;
        }
        els.roomError.textContent = "";
        els.roomName.value = "";
        this.#openRoom(checked.value);
      },
      on,
    );
    els.leave.addEventListener(
      "click",
      () => {
        if (this.#current !== undefined) this.#leave(this.#current).catch(() => {});
      },
      on,
    );
    els.toggleRooms.addEventListener("click", () => this.#toggleDrawer(), on);
  }

  #openRoom(room: string): void {
    this.#toggleDrawer(false);
    if (this.#joined.has(room)) this.#show(room);
    else this.#join(room, true).catch(() => {});
  }

  #toggleDrawer(open?: boolean): void {
    const next = open ?? this.#els.sidebar.dataset.open !== "true";
    this.#els.sidebar.dataset.open = String(next);
    this.#els.toggleRooms.setAttribute("aria-expanded", String(next));
  }

  #setComposerEnabled(enabled: boolean): void {
    this.#els.message.disabled = !enabled;
    this.#els.send.disabled = !enabled;
    this.#els.leave.disabled = !enabled;
  }

  #renderCounter(): void {
    const length = [...this.#els.message.value].length;
    const near = length > LIMITS.messageMax * 0.8;
    this.#els.counter.textContent = near ? `${length}/${LIMITS.messageMax}` : "";
  }

  #renderRooms(): void {
    const names = new Set([...this.#rooms.map((r) => r.name), ...this.#joined.keys()]);
    const online = new Map(this.#rooms.map((r) => [r.name, r.online]));
    const items = [...names].sort().map((name) => {
      const joined = this.#joined.get(name);
      const item = el("li");
      item.dataset.room = name;
      item.dataset.joined = String(joined !== undefined);
      item.dataset.current = String(name === this.#current);
      const button = el("button", undefined);
      button.type = "button";
      const label = el("span", "name", `#${name}`);
      const count = el("span", "count", String(online.get(name) ?? 0));
      count.title = "people online";
      button.append(label);
      if (joined !== undefined && joined.unread > 0) {
        button.append(el("span", "unread", `${joined.unread} new`));
      }
      button.append(count);
      button.addEventListener("click", () => this.#openRoom(name));
      item.append(button);
      return item;
    });
    this.#els.rooms.replaceChildren(...items);
  }

  #renderMembers(): void {
    const joined = this.#current === undefined ? undefined : this.#joined.get(this.#current);
    const members = joined?.members ?? [];
    this.#els.members.replaceChildren(...members.map((nick) => el("li", undefined, nick)));
  }

  #renderTyping(): void {
    this.#els.typing.textContent =
      this.#current === undefined ? "" : this.#typing.describe(this.#current);
  }
}

/** Local and server copies of a room's history, one entry per id, in time order. */
function mergeById(local: readonly ChatMessage[], server: readonly ChatMessage[]): ChatMessage[] {
  const byId = new Map<string, ChatMessage>();
  for (const message of local) byId.set(message.id, message);
  for (const message of server) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.ts - b.ts).slice(-KEEP_PER_ROOM);
}
