import type {
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  Packet,
} from "@parley/protocol";
import type { Adapter, AdapterNamespace, BroadcastOptions } from "./adapter/adapter.js";
import { InMemoryAdapter } from "./adapter/in-memory-adapter.js";
import { debugLog } from "./debug.js";
import { Namespace } from "./namespace.js";
import type { RemoteSocket } from "./remote-socket.js";
import type { Server } from "./server.js";

const log = debugLog("parley:parent-namespace", "socket.io:parent-namespace");

/** Decides whether a namespace name may be created: `next(null, true)` allows it. */
export type NamespaceMatcher = (
  name: string,
  // biome-ignore lint/suspicious/noExplicitAny: the CONNECT auth payload, typed as in Socket.IO
  auth: { [key: string]: any },
  next: (err: Error | null, allow: boolean) => void,
) => void;

let parentCount = 0;

/**
 * The namespace returned by `io.of(/regex/)` or `io.of(fn)`. It has no sockets of its own:
 * each matching name becomes a child namespace that inherits the parent's middleware and
 * `connect`/`connection` listeners (as they are when the child is created). Emitting on the
 * parent emits on every child.
 */
export class ParentNamespace<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  ServerSide extends EventsMap = DefaultEventsMap,
  // biome-ignore lint/suspicious/noExplicitAny: socket.data is untyped unless the user types it
  SocketData = any,
> extends Namespace<Listen, Emit, ServerSide, SocketData> {
  readonly children: Set<Namespace<Listen, Emit, ServerSide, SocketData>> = new Set();

  constructor(server: Server<Listen, Emit, ServerSide, SocketData>) {
    super(server, `/_${parentCount++}`);
  }

  /** @internal Broadcasts go to every child's adapter. */
  override _initAdapter(): void {
    this.adapter = new ParentBroadcastAdapter(this);
  }

  override emit<Ev extends EventNames<Emit>>(ev: Ev, ...args: EventParams<Emit, Ev>): boolean {
    for (const child of this.children) child.emit(ev, ...args);
    return true;
  }

  override fetchSockets(): Promise<RemoteSocket<Emit, SocketData>[]> {
    // A child may exist on one server and not on another: there is no cluster-wide answer.
    return Promise.reject(new Error("fetchSockets() is not supported on parent namespaces"));
  }

  /** @internal */
  _createChild(name: string): Namespace<Listen, Emit, ServerSide, SocketData> {
    log("creating child namespace %s", name);
    const child = new Namespace<Listen, Emit, ServerSide, SocketData>(this.server, name);
    for (const fn of this._fns) child.use(fn);
    // The parent's own, so schemas added to the parent later apply too.
    child._validation = this._validation;
    for (const listener of this.listeners("connect")) child.on("connect", listener);
    for (const listener of this.listeners("connection")) child.on("connection", listener);
    this.children.add(child);
    this.server._registerChild(child, this);
    return child;
  }
}

/** The adapter of a parent namespace: it only relays broadcasts to its children. */
interface Parent extends AdapterNamespace {
  readonly children: ReadonlySet<{ readonly adapter: Adapter }>;
}

class ParentBroadcastAdapter extends InMemoryAdapter {
  readonly #parent: Parent;

  constructor(parent: Parent) {
    super(parent);
    this.#parent = parent;
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    for (const child of this.#parent.children) {
      child.adapter.broadcast({ ...packet }, opts);
    }
  }
}
