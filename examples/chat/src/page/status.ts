import { type PageSocket, transportName } from "./socket.js";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

/**
 * The always-visible connection badge. "offline" means nothing will happen on its own (the
 * browser is offline, the server turned us away, or reconnection gave up); "reconnecting"
 * means the client is retrying.
 */
export class StatusBadge {
  readonly #node: HTMLElement;
  #state: ConnectionState = "connecting";

  constructor(node: HTMLElement) {
    this.#node = node;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  set(state: ConnectionState, detail?: string): void {
    this.#state = state;
    this.#node.dataset.state = state;
    // Lets the stylesheet mark what cannot be current while disconnected (who is online).
    document.body.dataset.connection = state;
    const label = {
      connecting: "Connecting…",
      connected: "Connected",
      reconnecting: "Reconnecting…",
      offline: "Offline",
    }[state];
    this.#node.textContent = detail === undefined ? label : `${label} (${detail})`;
  }

  /** Follows the socket's lifecycle until `signal` aborts. */
  follow(socket: PageSocket, signal: AbortSignal): void {
    const showConnected = () => {
      const transport = transportName(socket);
      this.#node.dataset.transport = transport ?? "";
      this.set("connected", transport);
    };
    socket.on("connect", () => {
      showConnected();
      // The first transport may be upgraded (polling → websocket) after connecting.
      socket.io.engine?.once("upgrade", showConnected);
    });
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect" || reason === "io client disconnect") {
        this.set("offline", reason === "io server disconnect" ? "closed by server" : undefined);
      } else {
        this.set(navigator.onLine ? "reconnecting" : "offline");
      }
    });
    socket.io.on("reconnect_attempt", (attempt) => {
      if (navigator.onLine) this.set("reconnecting", `attempt ${attempt}`);
    });
    socket.io.on("reconnect_failed", () => this.set("offline", "gave up; reload to retry"));
    window.addEventListener(
      "offline",
      () => {
        if (!socket.connected) this.set("offline");
      },
      { signal },
    );
    window.addEventListener(
      "online",
      () => {
        if (!socket.connected) this.set("reconnecting");
      },
      { signal },
    );
  }
}
