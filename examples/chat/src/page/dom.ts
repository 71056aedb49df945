/**
 * DOM helpers. User-supplied text only ever goes through `textContent` (via `el`), never
 * `innerHTML`: a message containing markup shows as that markup, as text.
 */

export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id} is missing from the page`);
  return node;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function formatTime(ts: number): string {
  return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A random id for a message, so the server can drop a retry that already went through. */
export function newClientId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  let id = "";
  for (const byte of bytes) id += byte.toString(16).padStart(2, "0");
  return id;
}

/** The page's elements, looked up once. */
export function pageElements() {
  return {
    login: byId("login", HTMLElement),
    loginForm: byId("login-form", HTMLFormElement),
    nick: byId("nick", HTMLInputElement),
    loginError: byId("login-error", HTMLElement),
    app: byId("app", HTMLElement),
    toggleRooms: byId("toggle-rooms", HTMLButtonElement),
    sidebar: byId("sidebar", HTMLElement),
    roomTitle: byId("room-title", HTMLElement),
    me: byId("me", HTMLElement),
    status: byId("status", HTMLElement),
    rooms: byId("rooms", HTMLUListElement),
    roomForm: byId("room-form", HTMLFormElement),
    roomName: byId("room-name", HTMLInputElement),
    roomError: byId("room-error", HTMLElement),
    members: byId("members", HTMLUListElement),
    leave: byId("leave", HTMLButtonElement),
    messages: byId("messages", HTMLOListElement),
    typing: byId("typing", HTMLElement),
    composer: byId("composer", HTMLFormElement),
    message: byId("message", HTMLInputElement),
    counter: byId("counter", HTMLElement),
    send: byId("send", HTMLButtonElement),
    composerError: byId("composer-error", HTMLElement),
  };
}

export type PageElements = ReturnType<typeof pageElements>;
