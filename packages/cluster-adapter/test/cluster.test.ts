import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ClusterAdapterError, createAdapter } from "../src/index.js";
import { bundleApp, type ClusterApp, startApp } from "./fixtures/processes.js";
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
} from "./helpers.js";

let bundle: Awaited<ReturnType<typeof bundleApp>>;

beforeAll(async () => {
  bundle = await bundleApp();
});

afterAll(() => bundle?.dispose());
afterEach(() => closeClients());

/** Waits until every worker counts `n` servers. */
async function formed(app: ClusterApp, n: number): Promise<void> {
  for (const w of app.workers) {
    const { socket } = await connect(w.url);
    await waitFor(async () => (await call<number>(socket, "serverCount")) === n, `${n} servers`);
    socket.disconnect();
  }
}

describe("@parley/cluster-adapter: three node:cluster workers (JSON IPC)", () => {
  let app: ClusterApp;

  beforeAll(async () => {
    // Worker 3 never answers "silent"; a 60 s request timeout means only its death can
    // release a request waiting on it within the test's bounds.
    app = await startApp(bundle.file, {
      MODE: "direct",
      WORKERS: "3",
      SILENT: "3",
      REQUESTS_TIMEOUT: "60000",
    });
    await formed(app, 3);
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
  });

  /** One client per worker, in the given rooms, alternating official and Parley clients. */
  async function clients(rooms: string[][], users: string[] = []): Promise<TestClient[]> {
    const out: TestClient[] = [];
    for (const [i, w] of app.workers.entries()) {
      const kind: ClientKind = i % 2 === 0 ? "official" : "parley";
      const user = users[i];
      const { socket, worker } = await connect(w.url, {
        rooms: rooms[i] ?? [],
        kind,
        ...(user === undefined ? {} : { user }),
      });
      expect(worker).toBe(w.id);
      out.push(socket);
    }
    return out;
  }

  it("broadcasts reach every worker's clients: rooms, except, several rooms, volatile", async () => {
    const [c1, c2, c3] = (await clients([["a"], ["a", "b"], ["b"]])) as [
      TestClient,
      TestClient,
      TestClient,
    ];
    const got = [c1, c2, c3].map((c) => collect(c, "m"));
    const counts = (...expected: number[]) =>
      waitFor(() => got.every((g, i) => g.length === expected[i]), `deliveries ${expected}`);
    // Order holds per sending worker, not across workers (a worker delivers to its own clients
    // at once, to the others through the primary): each step waits for the one before.
    await call(c1, "emit", { event: "m", args: ["all"] });
    await call(c1, "emit", { event: "m", args: ["a"], rooms: ["a"] });
    await counts(2, 2, 1);
    await call(c2, "emit", { event: "m", args: ["b-not-a"], rooms: ["b"], except: ["a"] });
    await counts(2, 2, 2);
    await call(c3, "emit", { event: "m", args: ["ab"], rooms: ["a", "b"] });
    // As in socket.io, a volatile packet goes only onto an idle transport: sent once every
    // client has what came before, it reaches them all.
    await counts(3, 3, 3);
    await call(c3, "emit", { event: "m", args: ["v"], volatile: true });
    const ends = [c1, c2, c3].map((c) => next(c, "end"));
    await call(c1, "emit", { event: "end" });
    await within(Promise.all(ends), "end everywhere");
    expect(got[0]).toEqual([["all"], ["a"], ["ab"], ["v"]]);
    expect(got[1]).toEqual([["all"], ["a"], ["ab"], ["v"]]);
    expect(got[2]).toEqual([["all"], ["b-not-a"], ["ab"], ["v"]]);
  });

  it("carries binary intact across workers (base64 parts on JSON IPC)", async () => {
    const [c1, , c3] = (await clients([[], [], []])) as [TestClient, TestClient, TestClient];
    const got = next<[{ bytes: Uint8Array; f: Uint8Array }]>(c3, "bin");
    await call(c1, "emitBinary", { event: "bin" });
    const [payload] = await within(got, "binary broadcast");
    expect([...new Uint8Array(payload.bytes)]).toEqual([1, 2, 3]);
    const f = new Uint8Array(payload.f);
    expect(new Float32Array(f.buffer, f.byteOffset, 1)[0]).toBe(1.5);
  });

  it("broadcast acks come back from every worker's clients", async () => {
    const all = await clients([[], [], []]);
    for (const [i, c] of all.entries()) {
      c.on("ask", ((cb: (v: string) => void) => cb(`c${i + 1}`)) as never);
    }
    const replies = await call<string[]>(all[0] as TestClient, "emitWithAck", { event: "ask" });
    expect([...replies].sort()).toEqual(["c1", "c2", "c3"]);
  });

  it("fetchSockets sees every worker's sockets, and a remote socket can be emitted to", async () => {
    const [c1, c2, c3] = (await clients([["x"], ["x", "y"], ["y"]])) as [
      TestClient,
      TestClient,
      TestClient,
    ];
    type Found = { id: string; rooms: string[]; data: { worker: number } }[];
    const every = await call<Found>(c2, "fetchSockets");
    expect(every.map((s) => s.id).sort()).toEqual([c1.id, c2.id, c3.id].sort());
    const inY = await call<Found>(c1, "fetchSockets", { rooms: ["y"] });
    expect(inY.map((s) => s.data.worker).sort()).toEqual([2, 3]);
    expect(inY.find((s) => s.id === c3.id)?.rooms).toEqual([c3.id, "y"].sort());
    const direct = next(c3, "direct");
    expect(await call(c1, "remoteEmit", { rooms: [c3.id], event: "direct" })).toBe(c3.id);
    expect(await within(direct, "remote emit")).toEqual([1]);
  });

  it("serverSideEmit reaches the other workers, with and without acks", async () => {
    const [c1, c2, c3] = (await clients([[], [], []])) as [TestClient, TestClient, TestClient];
    const on1 = collect(c1, "noted");
    const seen = [next(c2, "noted"), next(c3, "noted")];
    await call(c1, "serverSideEmit", { event: "note", args: [{ n: 7 }] });
    expect(await within(Promise.all(seen), "noted")).toEqual([
      [2, { n: 7 }],
      [3, { n: 7 }],
    ]);
    expect(await call(c1, "serverSideEmitWithAck", { event: "whoami" })).toEqual([2, 3]);
    expect(on1).toEqual([]); // a server does not hear its own serverSideEmit
  });

  it("socketsJoin and socketsLeave apply on every worker before they settle", async () => {
    const [c1, c2, c3] = (await clients([["p"], ["p"], []])) as [
      TestClient,
      TestClient,
      TestClient,
    ];
    await call(c3, "socketsJoin", { rooms: ["p"], room: "joined" });
    const on3 = collect(c3, "j");
    const got = [next(c1, "j"), next(c2, "j")];
    await call(c3, "emit", { event: "j", rooms: ["joined"], args: [1] });
    await within(Promise.all(got), "broadcast to the joined room");
    type Found = { id: string }[];
    const joined = await call<Found>(c1, "fetchSockets", { rooms: ["joined"] });
    expect(joined.map((s) => s.id).sort()).toEqual([c1.id, c2.id].sort());
    await call(c2, "socketsLeave", { room: "joined" });
    expect(await call<Found>(c3, "fetchSockets", { rooms: ["joined"] })).toEqual([]);
    expect(on3).toEqual([]);
  });

  it("disconnectSockets disconnects the targeted sockets on every worker", async () => {
    const [c1, c2, c3] = (await clients([[], ["d"], ["d"]])) as [
      TestClient,
      TestClient,
      TestClient,
    ];
    const gone = [next(c2, "disconnect"), next(c3, "disconnect")];
    await call(c1, "disconnectSockets", { rooms: ["d"] });
    const reasons = await within(Promise.all(gone), "disconnects");
    expect(reasons.map((args) => args[0])).toEqual([
      "io server disconnect",
      "io server disconnect",
    ]);
    expect(c1.connected).toBe(true);
  });

  it("presence lists every worker's users in a room, each identity once", async () => {
    const [c1, c2, c3] = (await clients([["pr"], ["pr"], ["pr"]], ["ada", "bob", "ada"])) as [
      TestClient,
      TestClient,
      TestClient,
    ];
    for (const c of [c1, c2, c3]) {
      await waitUntil(
        async () => (await call<string[]>(c, "presence", { room: "pr" })).join() === "ada,bob",
      );
    }
  });

  // Last: it kills worker 3.
  it("a worker killed with SIGKILL is not waited for: its pending requests complete at once", async () => {
    const [c1, c2] = (await clients([["dead"], [], ["dead"]], ["w1", "w2", "w3"])) as [
      TestClient,
      TestClient,
      TestClient,
    ];
    await waitUntil(
      async () => (await call<string[]>(c1, "presence", { room: "dead" })).join() === "w1,w3",
    );
    // Worker 3 never answers "silent": the request waits on it (and worker 2 answers).
    const awaiting = await call<number>(c1, "startSilentAsk", { key: "k" });
    expect(awaiting).toBeGreaterThanOrEqual(1);
    await app.killWorker(3);
    // The request timeout is 60 s: only the primary's notice of the death ends the wait.
    expect(await call(c1, "awaitSilentAsk", { key: "k" }, 5000)).toEqual({ replies: [2] });
    expect(await call(c1, "serverCount")).toBe(2);
    expect(await call(c1, "requestsAwaiting")).toBe(0);
    type Found = { id: string }[];
    const left = await call<Found>(c2, "fetchSockets", {}, 5000);
    expect(left.map((s) => s.id).sort()).toEqual([c1.id, c2.id].sort());
    const got = next(c2, "after");
    await call(c1, "emit", { event: "after", args: ["still"] });
    expect(await within(got, "broadcast after the death")).toEqual(["still"]);
    // Presence: the dead worker's user left (its death was declared, as above).
    await waitUntil(
      async () => (await call<string[]>(c1, "presence", { room: "dead" })).join() === "w1",
    );
  });
});

/** Polls `check` until it holds; fails after a bounded number of tries (a safety net). */
async function waitUntil(check: () => Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("condition not reached");
}

describe("@parley/cluster-adapter with @socket.io/sticky (polling clients)", () => {
  let app: ClusterApp;
  const sticky = (kind: ClientKind, transports: ("polling" | "websocket")[] = ["polling"]) =>
    connect(app.url as string, { kind, transports, rooms: ["s"], reconnection: true });

  beforeAll(async () => {
    app = await startApp(bundle.file, { MODE: "sticky", WORKERS: "2", SERIALIZATION: "advanced" });
    await waitFor(async () => {
      const { socket } = await sticky("official");
      const n = await call<number>(socket, "serverCount");
      socket.disconnect();
      return n === 2;
    }, "2 servers");
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
  });

  /** Clients of `kinds` until both workers have one (sticky's balancing is not ours to test). */
  async function onBothWorkers(
    kinds: ClientKind[],
    transports?: ("polling" | "websocket")[],
  ): Promise<{ socket: TestClient; worker: number }[]> {
    const found: { socket: TestClient; worker: number }[] = [];
    for (let i = 0; i < 8; i++) {
      found.push(await sticky(kinds[i % kinds.length] as ClientKind, transports));
      if (found.length >= kinds.length && new Set(found.map((f) => f.worker)).size === 2) break;
    }
    expect(new Set(found.map((f) => f.worker))).toEqual(new Set([1, 2]));
    return found;
  }

  it("polling clients keep their worker, and broadcasts reach both workers", async () => {
    const found = await onBothWorkers(["official", "parley", "official", "parley"]);
    // Many requests per session (each ack is a POST and a GET): sticky keeps them together.
    for (const { socket, worker } of found) {
      for (let i = 0; i < 3; i++) expect(await call(socket, "serverCount")).toBe(2);
      const sockets = await call<{ id: string; data: { worker: number } }[]>(
        socket,
        "fetchSockets",
      );
      expect(sockets.find((s) => s.id === socket.id)?.data.worker).toBe(worker);
    }
    const news = found.map((f) => next(f.socket, "news"));
    const first = found[0] as { socket: TestClient };
    await call(first.socket, "emit", { event: "news", rooms: ["s"], args: [1] });
    expect(await within(Promise.all(news), "news everywhere")).toEqual(found.map(() => [1]));
  });

  it("clients that upgrade to WebSocket, and binary over advanced IPC", async () => {
    const found = await onBothWorkers(["official", "parley"], ["polling", "websocket"]);
    const a = found[0] as { socket: TestClient; worker: number };
    const b = found.find((f) => f.worker !== a.worker) as { socket: TestClient; worker: number };
    const got = next<[{ bytes: Uint8Array }]>(b.socket, "bin");
    await call(a.socket, "emitBinary", { event: "bin" });
    const [payload] = await within(got, "binary broadcast");
    expect([...new Uint8Array(payload.bytes)]).toEqual([1, 2, 3]);
  });
});

describe("@parley/cluster-adapter without setupPrimary() in the primary", () => {
  let app: ClusterApp;

  afterAll(async () => {
    await app?.stop();
  });

  it("each worker says so (never a silent loss), and its own clients still work", async () => {
    app = await startApp(bundle.file, { WORKERS: "2", NO_RELAY: "1", PRIMARY_TIMEOUT: "200" });
    await waitFor(
      () => app.logs.filter((l) => l.includes("call setupPrimary()")).length === 2,
      "a warning from each worker",
    );
    const w1 = app.workers[0] as { url: string };
    const { socket } = await connect(w1.url);
    expect(await call(socket, "serverCount")).toBe(1);
    const got = next(socket, "local");
    await call(socket, "emit", { event: "local", args: [1] });
    expect(await within(got, "a local broadcast")).toEqual([1]);
  });
});

describe("@parley/cluster-adapter setup errors", () => {
  it("createAdapter() outside a node:cluster worker throws NOT_A_WORKER", () => {
    let error: unknown;
    try {
      createAdapter();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ClusterAdapterError);
    expect((error as ClusterAdapterError).code).toBe("NOT_A_WORKER");
    expect((error as Error).message).toMatch(/in-memory adapter/);
  });
});
