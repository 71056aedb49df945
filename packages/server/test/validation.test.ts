import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  INVALID_PAYLOAD,
  InvalidPayloadError,
  type InvalidPayloadReply,
  type Socket,
} from "../src/index.js";
import { MAX_WAITING_EVENTS } from "../src/validation/validating-inbox.js";
import { type Harness, next, startServer, until } from "./helpers.js";

/** The part of `@parley/client`'s socket these tests use. */
interface ParleyClientSocket {
  emit(ev: string, ...args: unknown[]): void;
  emitWithAck(ev: string, ...args: unknown[]): Promise<unknown>;
  disconnect(): void;
}
// Through a specifier tsc does not follow: the client's sources need the DOM lib, which this
// package's typecheck (Node only) does not load (as recovery.test.ts does).
const PARLEY_CLIENT = "@parley/client";
const { io: parleyClient } = (await import(PARLEY_CLIENT)) as {
  io: (url: string, opts: Record<string, unknown>) => ParleyClientSocket;
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A server whose namespace `nsp` runs `setup` on every connection; records handler_error. */
async function serve(setup: (socket: Socket) => void, nsp = "/") {
  h = await startServer();
  const handlerErrors: unknown[] = [];
  h.io.on("handler_error", (err) => handlerErrors.push(err));
  h.io.of(nsp).on("connection", setup);
  return { h, handlerErrors };
}

const Chat = z.object({ text: z.string().min(1).max(200), room: z.string().default("lobby") });

describe("validated events with zod: socket.on(ev, schema, handler)", () => {
  it("hands the handler the schema's output (defaults applied) and the ack", async () => {
    const seen: unknown[] = [];
    const { h } = await serve((socket) => {
      socket.on("chat", Chat, (msg, ack) => {
        seen.push(msg);
        ack?.({ ok: true, room: msg.room });
      });
    });
    const client = h.client();
    const reply = await client.emitWithAck("chat", { text: "hi" });
    expect(reply).toEqual({ ok: true, room: "lobby" });
    expect(seen).toEqual([{ text: "hi", room: "lobby" }]);
  });

  it("answers an invalid payload's ack with INVALID_PAYLOAD and never runs the handler", async () => {
    let calls = 0;
    const { h, handlerErrors } = await serve((socket) => {
      socket.on("chat", Chat, (_msg, ack) => {
        calls++;
        ack?.("handled");
      });
    });
    const client = h.client();
    const reply = (await client.emitWithAck("chat", { text: 42 })) as InvalidPayloadReply;
    expect(reply.error.code).toBe(INVALID_PAYLOAD);
    expect(reply.error.event).toBe("chat");
    expect(reply.error.issues).toHaveLength(1);
    expect(reply.error.issues[0]?.path).toEqual(["text"]);
    expect(typeof reply.error.issues[0]?.message).toBe("string");
    // Several payload arguments are refused too: a validated event carries one.
    const extra = (await client.emitWithAck("chat", { text: "a" }, "b")) as InvalidPayloadReply;
    expect(extra.error.issues[0]?.message).toMatch(/at most one argument, got 2/);
    // The connection goes on: a valid payload after the refused ones is handled.
    expect(await client.emitWithAck("chat", { text: "ok" })).toBe("handled");
    expect(calls).toBe(1);
    expect(handlerErrors).toEqual([]);
    expect(client.connected).toBe(true);
  });

  it("emits `error` with an InvalidPayloadError when the client sent no ack", async () => {
    const errors: unknown[] = [];
    const handled: unknown[] = [];
    const { h, handlerErrors } = await serve((socket) => {
      socket.on("error", (err) => errors.push(err));
      socket.on("chat", Chat, (msg) => handled.push(msg));
    });
    const client = h.client();
    client.emit("chat", "not an object");
    client.emit("chat", { text: "after" });
    await until(() => handled.length === 1, "the valid message");
    expect(errors).toHaveLength(1);
    const err = errors[0] as InvalidPayloadError;
    expect(err).toBeInstanceOf(InvalidPayloadError);
    expect(err.code).toBe("INVALID_PAYLOAD");
    expect(err.event).toBe("chat");
    expect(err.issues[0]?.path).toEqual([]);
    expect(handled).toEqual([{ text: "after", room: "lobby" }]);
    expect(handlerErrors).toEqual([]);
  });

  it("refuses a schema that is not a Standard Schema, and a second, different schema", async () => {
    const { h } = await serve(() => {});
    const client = h.client();
    const [socket] = await Promise.all([
      next<[Socket]>(h.io, "connection").then(([s]) => s),
      next(client, "connect"),
    ]);
    expect(() => socket.on("chat", { parse() {} } as never, () => {})).toThrow(TypeError);
    socket.on("chat", Chat, () => {});
    socket.on("chat", Chat, () => {}); // the same schema again is fine
    expect(() => socket.on("chat", z.string(), () => {})).toThrow(/different schema/);
  });

  it("reports a validator that throws to handler_error and drops the event", async () => {
    const Broken = z.string().transform(() => {
      throw new Error("bug in a transform");
    });
    const handled: string[] = [];
    const { h, handlerErrors } = await serve((socket) => {
      socket.on("broken", Broken, () => handled.push("broken"));
      socket.on("fine", () => handled.push("fine"));
    });
    const client = h.client();
    client.emit("broken", "x");
    client.emit("fine");
    await until(() => handled.length === 1 && handlerErrors.length === 1, "both events");
    expect(handled).toEqual(["fine"]);
    expect(client.connected).toBe(true);
  });
});

describe("validated events with valibot: nsp.schemas({...})", () => {
  const Move = v.object({ x: v.number(), y: v.number() });
  const Name = v.pipe(v.string(), v.trim(), v.minLength(1));

  it("validates every socket of the namespace, official and Parley clients alike", async () => {
    const seen: unknown[] = [];
    h = await startServer();
    const game = h.io.of("/game").schemas({ move: Move, rename: Name });
    game.on("connection", (socket) => {
      socket.on("move", (pos, ack) => {
        seen.push(pos);
        ack?.(pos.x + pos.y);
      });
      socket.on("rename", (name) => seen.push(name));
    });
    const official = h.client("/game");
    expect(await official.emitWithAck("move", { x: 1, y: 2 })).toBe(3);
    const refused = (await official.emitWithAck("move", { x: "1", y: 2 })) as InvalidPayloadReply;
    expect(refused.error.code).toBe(INVALID_PAYLOAD);
    expect(refused.error.issues[0]?.path).toEqual(["x"]);

    const ours = parleyClient(`${h.url}/game`, { forceNew: true, reconnection: false });
    try {
      ours.emit("rename", "  ada  ");
      const bad = (await ours.emitWithAck("move", null)) as InvalidPayloadReply;
      expect(bad.error.code).toBe(INVALID_PAYLOAD);
      await until(() => seen.length === 2, "the rename");
      expect(seen).toEqual([{ x: 1, y: 2 }, "ada"]);
    } finally {
      ours.disconnect();
    }
  });

  it("lets a socket add the namespace's own schema but not a different one", async () => {
    h = await startServer();
    const nsp = h.io.of("/strict").schemas({ move: Move });
    const failures: unknown[] = [];
    nsp.on("connection", (socket) => {
      socket.on("move", Move, () => {});
      try {
        socket.on("move", v.string(), () => {});
      } catch (err) {
        failures.push(err);
      }
    });
    const client = h.client("/strict");
    await next(client, "connect");
    await until(() => failures.length === 1, "the conflict");
    expect((failures[0] as { code?: string }).code).toBe("SCHEMA_CONFLICT");
  });
});

describe("async validators keep a socket's events in order", () => {
  /** Resolves after `ms` on a timer, so later events surely arrive while it waits. */
  const later = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** An async check that takes a while and refuses "bad". */
  const slowCheck = async (s: string) => {
    await later(30);
    return s !== "bad";
  };

  it.each([
    ["zod", z.string().refine(slowCheck, "refused")],
    ["valibot", v.pipeAsync(v.string(), v.checkAsync(slowCheck, "refused"))],
  ] as const)("%s: later events wait behind a slow validation", async (_lib, Slow) => {
    const order: string[] = [];
    const { h, handlerErrors } = await serve((socket) => {
      socket.on("slow", Slow, (s) => order.push(`slow:${s}`));
      socket.on("plain", (s: string) => order.push(`plain:${s}`));
      socket.on("sync", z.string(), (s) => order.push(`sync:${s}`));
    });
    const client = h.client();
    await next(client, "connect");
    client.emit("sync", "0");
    client.emit("slow", "1");
    client.emit("plain", "2");
    client.emit("sync", "3");
    const refused = client.emitWithAck("slow", "bad");
    client.emit("slow", "4");
    client.emit("plain", "5");
    const reply = (await refused) as InvalidPayloadReply;
    expect(reply.error.issues[0]?.message).toBe("refused");
    await until(() => order.length === 6, "every valid event");
    expect(order).toEqual(["sync:0", "slow:1", "plain:2", "sync:3", "slow:4", "plain:5"]);
    expect(handlerErrors).toEqual([]);
  });
});

describe("a flood behind a pending async validation", () => {
  it("disconnects the client past MAX_WAITING_EVENTS instead of queuing without bound", async () => {
    // A validator that never settles: everything after it waits.
    const Hanging = z.string().refine(() => new Promise<boolean>(() => {}));
    const reasons: string[] = [];
    const { h, handlerErrors } = await serve((socket) => {
      socket.on("hang", Hanging, () => {});
      socket.on("disconnect", (reason) => reasons.push(reason));
    });
    const client = h.client();
    await next(client, "connect");
    const gone = next(client, "disconnect");
    client.emit("hang", "x");
    for (let i = 0; i <= MAX_WAITING_EVENTS; i++) client.emit("plain", i);
    await gone;
    await until(() => reasons.length === 1, "the server-side disconnect");
    expect(reasons).toEqual(["server namespace disconnect"]);
    expect(handlerErrors).toEqual([]);
    // The server goes on serving others.
    const other = h.client();
    await next(other, "connect");
  });
});

describe("without schemas", () => {
  it("delivers events untouched (several arguments, no validation)", async () => {
    const seen: unknown[][] = [];
    const { h } = await serve((socket) => {
      socket.on("many", (...args: unknown[]) => seen.push(args));
    });
    const client = h.client();
    client.emit("many", 1, "two", { three: 3 });
    await until(() => seen.length === 1, "the event");
    expect(seen[0]).toEqual([1, "two", { three: 3 }]);
  });
});
