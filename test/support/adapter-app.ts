// The app every server of an adapter test runs — a Parley server or a socket.io one, in the
// test process or in a node:cluster worker — so that one test body drives them all through
// their clients: a client emits "do" (op, arg, ack) and its server runs the operation.
//
// On connection a socket gets `data = { server: <name> }`, joins `auth.rooms`, and is
// greeted with "welcome" <name>. Server-side events: "whoami" (ack: the name), "note"
// (payload) → `io.local.emit("noted", <name>, payload)`.

/** What the app uses of a server: the API Parley's and socket.io's `Server` share. */
interface AppServer {
  on(event: string, listener: (...args: never[]) => void): unknown;
  to(rooms: string[]): AppOperator;
  readonly local: AppOperator;
  serverSideEmit(event: string, ...args: unknown[]): unknown;
  serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]>;
  of(nsp: string): { adapter: { serverCount(): Promise<number> } };
}

interface AppOperator {
  except(rooms: string[]): AppOperator;
  readonly volatile: AppOperator;
  timeout(ms: number): AppOperator;
  emit(event: string, ...args: unknown[]): unknown;
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown[]>;
  fetchSockets(): Promise<AppRemoteSocket[]>;
  socketsJoin(room: string): unknown;
  socketsLeave(room: string): unknown;
  disconnectSockets(close?: boolean): unknown;
}

interface AppRemoteSocket {
  id: string;
  rooms: Iterable<string>;
  data: unknown;
  emit(event: string, ...args: unknown[]): unknown;
}

interface AppSocket {
  data: unknown;
  readonly recovered: boolean;
  readonly handshake: { auth: Record<string, unknown> };
  join(rooms: string[]): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
}

export interface SocketSummary {
  id: string;
  rooms: string[];
  data: unknown;
}

/** Installs the app on `server` (Parley's or socket.io's `Server`), named `name`. */
export function installApp(server: unknown, name: string): void {
  const io = server as AppServer;
  io.on("connection", async (socket: AppSocket) => {
    socket.data = { server: name };
    socket.on("do", async (op: string, arg: Record<string, unknown>, ack: (r: unknown) => void) => {
      try {
        ack({ ok: await run(op, arg ?? {}) });
      } catch (err) {
        ack({ error: err instanceof Error ? err.message : String(err) });
      }
    });
    const rooms: unknown = socket.handshake.auth.rooms;
    if (Array.isArray(rooms) && !socket.recovered) await socket.join(rooms.map(String));
    socket.emit("welcome", name, socket.recovered);
  });
  io.on("whoami", (cb: (id: string) => void) => cb(name));
  io.on("note", (payload: unknown) => io.local.emit("noted", name, payload));

  const target = (arg: Record<string, unknown>) => {
    let op = io.to((arg.rooms as string[] | undefined) ?? []);
    if (Array.isArray(arg.except)) op = op.except(arg.except as string[]);
    return op;
  };

  async function run(op: string, arg: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case "emit":
        target(arg).emit(String(arg.event), ...((arg.args as unknown[]) ?? []));
        return true;
      case "emitBinary":
        target(arg).emit(String(arg.event), { bytes: Buffer.from([1, 2, 3]) });
        return true;
      case "emitWithAck": {
        const replies = await target(arg)
          .timeout(Number(arg.timeout ?? 5000))
          .emitWithAck(String(arg.event));
        return replies.map(String).sort();
      }
      case "fetchSockets": {
        const sockets = await target(arg).fetchSockets();
        return sockets
          .map((s): SocketSummary => ({ id: s.id, rooms: [...s.rooms].sort(), data: s.data }))
          .sort((a, b) => a.id.localeCompare(b.id));
      }
      case "remoteEmit": {
        const sockets = await target(arg).fetchSockets();
        for (const s of sockets) s.emit(String(arg.event), name);
        return sockets.length;
      }
      case "socketsJoin":
        await target(arg).socketsJoin(String(arg.room));
        return true;
      case "socketsLeave":
        await target(arg).socketsLeave(String(arg.room));
        return true;
      case "disconnectSockets":
        target(arg).disconnectSockets(arg.close === true);
        return true;
      case "serverSideEmit":
        io.serverSideEmit(String(arg.event), ...((arg.args as unknown[]) ?? []));
        return true;
      case "serverSideEmitWithAck":
        return (await io.serverSideEmitWithAck(String(arg.event))).map(String).sort();
      case "serverCount":
        return await io.of("/").adapter.serverCount();
      default:
        throw new Error(`unknown op ${op}`);
    }
  }
}
