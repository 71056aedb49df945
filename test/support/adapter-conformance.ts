// One test body for every cluster adapter: two servers running the adapter app
// (adapter-app.ts), each reached by its own clients, and everything a cluster adapter
// promises checked across them. Run by Parley's adapters and by socket.io's adapters hosted
// on Parley, and by mixed clusters (a socket.io server and a Parley server on one adapter).
import { afterAll, afterEach, beforeAll, type describe, expect, it } from "vitest";
import type { SocketSummary } from "./adapter-app.js";
import {
  type ClientKind,
  call,
  closeClients,
  collect,
  connect,
  next,
  type TestClient,
  waitFor,
  within,
} from "./app-clients.js";

export interface ServerRef {
  /** What the app on it is named (its "welcome"). */
  readonly name: string;
  readonly url: string;
}

export interface AdapterCluster {
  readonly servers: readonly [ServerRef, ServerRef];
  stop(): Promise<void>;
}

export interface ConformanceOptions {
  /** The servers run with `connectionStateRecovery` and the adapter restores sessions. */
  recovery?: boolean;
  /** `describe`, or the `describe.skip` of a missing service. */
  describe: typeof describe;
}

let rooms = 0;
/** A room no other test of the run uses (clients of earlier tests may still be leaving). */
function room(name: string): string {
  return `${name}-${process.pid}-${rooms++}`;
}

export function adapterConformance(
  label: string,
  start: () => Promise<AdapterCluster>,
  opts: ConformanceOptions,
): void {
  opts.describe(label, () => {
    let cluster: AdapterCluster;
    let s0: ServerRef;
    let s1: ServerRef;

    beforeAll(async () => {
      cluster = await start();
      [s0, s1] = cluster.servers;
      for (const s of cluster.servers) {
        const { socket } = await connect(s.url);
        await waitFor(async () => (await call<number>(socket, "serverCount")) === 2, "2 servers");
        socket.disconnect();
      }
    }, 30_000);

    afterAll(async () => {
      closeClients();
      await cluster?.stop();
    }, 30_000);

    afterEach(() => closeClients());

    /** One client on each server, in the given rooms; an official one and a Parley one. */
    async function pair(rooms0: string[], rooms1: string[], kinds: ClientKind[] = []) {
      const c0 = await connect(s0.url, { rooms: rooms0, kind: kinds[0] ?? "official" });
      const c1 = await connect(s1.url, { rooms: rooms1, kind: kinds[1] ?? "parley" });
      expect([c0.server, c1.server]).toEqual([s0.name, s1.name]);
      return [c0.socket, c1.socket] as const;
    }

    /** Until `server` (through `via`) sees exactly `n` sockets in `r`. */
    async function members(via: TestClient, r: string, n: number): Promise<SocketSummary[]> {
      let found: SocketSummary[] = [];
      await waitFor(async () => {
        found = await call<SocketSummary[]>(via, "fetchSockets", { rooms: [r] });
        return found.length === n;
      }, `${n} sockets in ${r}`);
      return found;
    }

    it("broadcasts reach both servers' clients: all, a room, except, several rooms, binary", async () => {
      const [a, b] = [room("a"), room("b")];
      const [c0, c1] = await pair([a], [b]);
      const got0 = collect(c0, "m");
      const got1 = collect(c1, "m");
      await call(c0, "emit", { event: "m", args: ["all"] });
      await call(c0, "emit", { event: "m", args: ["to-b"], rooms: [b] });
      await call(c1, "emit", { event: "m", args: ["to-a"], rooms: [a] });
      await call(c1, "emit", { event: "m", args: ["ab-not-a"], rooms: [a, b], except: [a] });
      await call(c0, "emit", { event: "m", args: ["ab"], rooms: [a, b] });
      await call(c1, "emitBinary", { event: "m", rooms: [a] });
      const bytes = (v: unknown) =>
        typeof v === "object" && v !== null && "bytes" in v
          ? [...new Uint8Array(v.bytes as ArrayBuffer | Uint8Array)]
          : v;
      // The all-sockets broadcast also reaches clients of earlier tests still leaving; these
      // two see exactly what they are targeted by (order across senders is not promised).
      await waitFor(() => got0.length === 4 && got1.length === 4, "every broadcast");
      expect(got0.map(([v]) => JSON.stringify(bytes(v))).sort()).toEqual(
        ['"ab"', '"all"', '"to-a"', "[1,2,3]"].sort(),
      );
      expect(got1.map(([v]) => v).sort()).toEqual(["ab", "ab-not-a", "all", "to-b"]);
    });

    it("a broadcast with an ack gathers every client's reply, from both servers", async () => {
      const r = room("ack");
      const [c0, c1] = await pair([r], [r]);
      c0.on("ping", ((cb: (v: string) => void) => cb("c0")) as never);
      c1.on("ping", ((cb: (v: string) => void) => cb("c1")) as never);
      expect(await call(c0, "emitWithAck", { event: "ping", rooms: [r] })).toEqual(["c0", "c1"]);
      expect(await call(c1, "emitWithAck", { event: "ping", rooms: [r] })).toEqual(["c0", "c1"]);
    });

    it("fetchSockets sees both servers' sockets (id, rooms, data); remote sockets take emits", async () => {
      const [r, only1] = [room("fetch"), room("only1")];
      const [c0, c1] = await pair([r], [r, only1]);
      const found = await members(c0, r, 2);
      const byId = new Map(found.map((s) => [s.id, s]));
      expect(byId.get(c0.id as string)).toEqual({
        id: c0.id,
        rooms: [c0.id, r].sort(),
        data: { server: s0.name },
      });
      expect(byId.get(c1.id as string)).toEqual({
        id: c1.id,
        rooms: [c1.id, r, only1].sort(),
        data: { server: s1.name },
      });
      const hello = next(c1, "hello");
      expect(await call(c0, "remoteEmit", { event: "hello", rooms: [only1] })).toBe(1);
      // (With recovery on, it carries an offset as last argument, as any broadcast.)
      expect((await within(hello, "a remote socket's emit"))[0]).toBe(s0.name);
    });

    it("serverSideEmit reaches the other server; with an ack it gets the other's reply", async () => {
      const [c0, c1] = await pair([], []);
      const noted = next(c1, "noted");
      await call(c0, "serverSideEmit", { event: "note", args: [{ n: 1 }] });
      // (`io.local.emit` may carry an offset with recovery on: a third argument.)
      expect((await within(noted, "a server-side event")).slice(0, 2)).toEqual([s1.name, { n: 1 }]);
      expect(await call(c0, "serverSideEmitWithAck", { event: "whoami" })).toEqual([s1.name]);
      expect(await call(c1, "serverSideEmitWithAck", { event: "whoami" })).toEqual([s0.name]);
    });

    it("socketsJoin and socketsLeave act on both servers' sockets", async () => {
      const [r, joined] = [room("join"), room("joined")];
      const [c0, c1] = await pair([r], [r]);
      await call(c0, "socketsJoin", { rooms: [r], room: joined });
      await members(c1, joined, 2);
      const got = [collect(c0, "j"), collect(c1, "j")];
      await call(c1, "emit", { event: "j", args: ["in"], rooms: [joined] });
      await waitFor(() => got.every((g) => g.length === 1), "the joined room's broadcast");
      await call(c1, "socketsLeave", { rooms: [r], room: joined });
      await members(c0, joined, 0);
    });

    it("disconnectSockets disconnects both servers' sockets", async () => {
      const r = room("bye");
      const [c0, c1] = await pair([r], [r]);
      await members(c0, r, 2);
      const gone = [next(c0, "disconnect"), next(c1, "disconnect")];
      // Asked through a client outside the room, which stays to get the answer.
      const { socket: ctl } = await connect(s1.url);
      await call(ctl, "disconnectSockets", { rooms: [r] });
      const reasons = await within(Promise.all(gone), "both disconnects");
      expect(reasons.map(([reason]) => reason)).toEqual([
        "io server disconnect",
        "io server disconnect",
      ]);
    });

    if (opts.recovery === true)
      it("connection state recovery: a client back after a transport drop gets what it missed", async () => {
        const r = room("recover");
        const [c0, c1] = await pair([r], [r], ["official", "official"]);
        const got = collect(c0, "m");
        await call(c1, "emit", { event: "m", args: ["before"], rooms: [r] });
        await waitFor(() => got.length === 1, "the first broadcast (an offset)");
        const dropped = next(c0, "disconnect");
        // The connection ends without a DISCONNECT: the server sees "transport close".
        c0.io.engine.close();
        await within(dropped, "the drop");
        await members(c1, r, 1);
        // c1 is in the room too: once it has the packet, the adapter has stored it.
        const seen = next(c1, "m");
        await call(c1, "emit", { event: "m", args: ["missed"], rooms: [r] });
        await within(seen, "the broadcast while away");
        const back = next(c0, "welcome");
        c0.connect();
        // (With recovery on, a socket's own emits carry an offset too: a third argument.)
        expect((await within(back, "the reconnection")).slice(0, 2)).toEqual([s0.name, true]);
        expect(c0.recovered).toBe(true);
        await waitFor(() => got.length === 2, "the missed broadcast");
        expect(got.map(([v]) => v)).toEqual(["before", "missed"]);
        await members(c1, r, 2);
      });
  });
}
